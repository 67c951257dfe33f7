package io.kortexdl.spark;

import io.kortexdl.spark.collective.CollectiveSettings;
import io.kortexdl.spark.collective.CollectiveSettings.Protection;
import io.kortexdl.spark.collective.Guard;
import java.util.Locale;
import java.util.Set;
import org.apache.spark.SecurityManager;
import org.apache.spark.SparkConf;
import org.apache.spark.SparkEnv;

/**
 * How the collective follows the application's Spark security settings: which
 * {@link Protection} a fit runs with (decided on the driver before the first epoch), and each
 * JVM's {@link Guard} made from its own copy of the application's secret (Spark's security
 * manager holds it on the driver and on every executor; on YARN Spark generates it).
 */
final class CollectiveSecurity {
    static final String AUTHENTICATE = "spark.authenticate";
    static final String CRYPTO = "spark.network.crypto.enabled";
    static final String SASL_ENCRYPTION = "spark.authenticate.enableSaslEncryption";
    static final String SSL_RPC = "spark.ssl.rpc.enabled";
    static final String KEY_LENGTH = "spark.network.crypto.keyLength";
    static final String CIPHER = "spark.network.crypto.cipher";
    /** The ciphers Spark's RPC encryption offers; the collective seals with AES-GCM under any of them. */
    private static final Set<String> SPARK_CIPHERS = Set.of("AES/CTR/NOPADDING", "AES/GCM/NOPADDING");

    private CollectiveSecurity() {
    }

    /**
     * {@code settings} with the protection the application's security settings ask for.
     *
     * @throws IllegalArgumentException naming the setting the collective cannot honour: encryption
     *     without {@value #AUTHENTICATE} (no secret to key it with), a key length other than 128,
     *     192 or 256 bits or one this JVM cannot use, or a cipher Spark does not offer. The
     *     collective never falls back to clear text.
     */
    static CollectiveSettings protect(CollectiveSettings settings, SparkConf conf, SecurityManager security) {
        boolean authenticated = security.isAuthenticationEnabled();
        boolean encrypted = security.isEncryptionEnabled() || security.isSslRpcEnabled();
        if (!encrypted) {
            return settings.protectedBy(authenticated ? Protection.AUTHENTICATED : Protection.NONE, 0);
        }
        String asked = security.isSslRpcEnabled() ? SSL_RPC : conf.getBoolean(CRYPTO, false) ? CRYPTO : SASL_ENCRYPTION;
        if (!authenticated) {
            throw new IllegalArgumentException(asked + " is true but " + AUTHENTICATE + " is not: the KortexDL"
                    + " collective encrypts with keys from the application's secret; set " + AUTHENTICATE + "=true"
                    + " (and spark.authenticate.secret outside YARN)");
        }
        String cipher = conf.get(CIPHER, "AES/CTR/NoPadding");
        if (!SPARK_CIPHERS.contains(cipher.trim().toUpperCase(Locale.ROOT))) {
            throw new IllegalArgumentException(CIPHER + " is '" + cipher + "'; expected AES/CTR/NoPadding or"
                    + " AES/GCM/NoPadding, the ciphers of Spark's RPC encryption (the KortexDL collective seals with"
                    + " AES/GCM/NoPadding under either)");
        }
        String length = conf.get(KEY_LENGTH, "128");
        int keyBits;
        try {
            keyBits = Integer.parseInt(length.trim());
        } catch (NumberFormatException e) {
            keyBits = -1;
        }
        if (keyBits != 128 && keyBits != 192 && keyBits != 256) {
            throw new IllegalArgumentException(KEY_LENGTH + " is '" + length + "'; expected 128, 192 or 256 (bits of"
                    + " the AES keys of the KortexDL collective)");
        }
        String unsupported = Guard.unsupported(keyBits);
        if (unsupported != null) {
            throw new IllegalArgumentException(KEY_LENGTH + " is " + keyBits + ", but this JVM cannot encrypt with"
                    + " AES-GCM under " + keyBits + "-bit keys: " + unsupported);
        }
        return settings.protectedBy(Protection.ENCRYPTED, keyBits);
    }

    /**
     * This JVM's guard for {@code settings}: none without protection, else one holding the secret
     * of this JVM's Spark security manager.
     *
     * @throws io.kortexdl.spark.collective.CollectiveException when protection is asked for and
     *     this JVM has no secret
     */
    static Guard guard(CollectiveSettings settings) {
        if (settings.protection() == Protection.NONE) {
            return Guard.NONE;
        }
        return Guard.of(settings, SparkEnv.get().securityManager().getSecretKey());
    }
}
