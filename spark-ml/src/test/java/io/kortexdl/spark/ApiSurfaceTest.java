package io.kortexdl.spark;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.lang.reflect.Type;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The public Java API is Scala-free except where Spark's base classes force a Scala type, and
 * the kernels do not depend on Spark.
 */
class ApiSurfaceTest {
    private static final Path SPARK_CLASSES = Path.of("target/classes");
    private static final Path KERNEL_CLASSES = Path.of("../kernels/target/classes");

    private static List<Class<?>> publicClasses(Path root) throws IOException, ClassNotFoundException {
        List<Class<?>> out = new ArrayList<>();
        try (Stream<Path> files = Files.walk(root)) {
            for (Path file : (Iterable<Path>) files.filter(p -> p.toString().endsWith(".class"))::iterator) {
                String name = root.relativize(file).toString().replace('/', '.').replaceAll("\\.class$", "");
                Class<?> type = Class.forName(name, false, ApiSurfaceTest.class.getClassLoader());
                if (Modifier.isPublic(type.getModifiers())) {
                    out.add(type);
                }
            }
        }
        return out;
    }

    /** True if a Spark or Scala supertype declares this method: its signature is not ours to choose. */
    private static boolean inherited(Class<?> type, Method method) {
        List<Class<?>> supertypes = new ArrayList<>();
        for (Class<?> c = type.getSuperclass(); c != null; c = c.getSuperclass()) {
            supertypes.add(c);
        }
        collectInterfaces(type, supertypes);
        for (Class<?> supertype : supertypes) {
            if (supertype.getName().startsWith("io.kortexdl")) {
                continue;
            }
            try {
                supertype.getMethod(method.getName(), method.getParameterTypes());
                return true;
            } catch (NoSuchMethodException e) {
                // not declared there
            }
        }
        return false;
    }

    private static void collectInterfaces(Class<?> type, List<Class<?>> out) {
        for (Class<?> c = type; c != null; c = c.getSuperclass()) {
            for (Class<?> i : c.getInterfaces()) {
                out.add(i);
                collectInterfaces(i, out);
            }
        }
    }

    private static boolean mentionsScala(Type type) {
        return type.getTypeName().contains("scala.");
    }

    @Test
    void ourPublicSignaturesExposeNoScalaTypes() throws Exception {
        List<String> offenders = new ArrayList<>();
        List<Class<?>> classes = publicClasses(SPARK_CLASSES);
        classes.addAll(publicClasses(KERNEL_CLASSES));
        assertTrue(classes.size() > 30, "found " + classes.size() + " public classes");
        for (Class<?> type : classes) {
            for (Method method : type.getDeclaredMethods()) {
                if (!Modifier.isPublic(method.getModifiers()) || method.isSynthetic() || method.isBridge()
                        || inherited(type, method)) {
                    continue;
                }
                boolean scala = mentionsScala(method.getGenericReturnType());
                for (Type parameter : method.getGenericParameterTypes()) {
                    scala |= mentionsScala(parameter);
                }
                if (scala) {
                    offenders.add(type.getSimpleName() + "." + method.getName());
                }
            }
        }
        assertEquals(List.of(), offenders, "public methods of ours with scala.* types in their signatures");
    }

    @Test
    void theKernelsDoNotReferenceSpark() throws IOException {
        List<String> referencing = new ArrayList<>();
        try (Stream<Path> files = Files.walk(KERNEL_CLASSES)) {
            for (Path file : (Iterable<Path>) files.filter(p -> p.toString().endsWith(".class"))::iterator) {
                String constants = new String(Files.readAllBytes(file), java.nio.charset.StandardCharsets.ISO_8859_1);
                if (constants.contains("org/apache/spark") || constants.contains("scala/")) {
                    referencing.add(file.getFileName().toString());
                }
            }
        }
        assertEquals(List.of(), referencing);
        String pom = Files.readString(Path.of("../kernels/pom.xml"));
        assertTrue(!pom.contains("spark") && !pom.contains("scala"), "kernels/pom.xml declares no Spark or Scala dependency");
    }
}
