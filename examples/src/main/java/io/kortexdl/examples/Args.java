package io.kortexdl.examples;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Minimal {@code --name value} / {@code --name v1 v2 ...} command-line parsing for the entry
 * points; an unknown or malformed option exits with status 2 and a message naming it.
 */
public final class Args {
    private final Map<String, List<String>> options = new LinkedHashMap<>();
    private final Map<String, Boolean> used = new LinkedHashMap<>();

    /** Parses {@code args}; every token that does not start with {@code --} belongs to the preceding option. */
    public Args(String[] args) {
        String current = null;
        for (String arg : args) {
            if (arg.startsWith("--")) {
                current = arg;
                options.put(current, new ArrayList<>());
                used.put(current, false);
            } else if (current == null) {
                fail("unexpected argument '" + arg + "' (options start with --)");
            } else {
                options.get(current).add(arg);
            }
        }
    }

    /** The single value of {@code name}, or {@code fallback} when absent. */
    public String value(String name, String fallback) {
        List<String> values = values(name);
        if (values == null) {
            return fallback;
        }
        if (values.size() != 1) {
            fail(name + " takes one value, got " + values);
        }
        return values.get(0);
    }

    /** All values of {@code name}, or null when absent. */
    public List<String> values(String name) {
        List<String> values = options.get(name);
        if (values != null) {
            used.put(name, true);
        }
        return values;
    }

    /** An integer option. */
    public int intValue(String name, int fallback) {
        return parsed(name, fallback, Integer::parseInt, "an integer");
    }

    /** A floating-point option. */
    public double doubleValue(String name, double fallback) {
        return parsed(name, fallback, Double::parseDouble, "a number");
    }

    private <T> T parsed(String name, T fallback, java.util.function.Function<String, T> parser, String what) {
        String v = value(name, null);
        try {
            return v == null ? fallback : parser.apply(v);
        } catch (NumberFormatException e) {
            fail(name + " expects " + what + ", got '" + v + "'");
            return fallback;
        }
    }

    /** Fails on any option that was given but never read. */
    public void finish() {
        used.forEach((name, read) -> {
            if (!read) {
                fail("unknown option " + name);
            }
        });
    }

    private static void fail(String message) {
        System.err.println("error: " + message);
        System.exit(2);
    }
}
