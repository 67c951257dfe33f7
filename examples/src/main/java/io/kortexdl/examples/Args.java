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

    /** The single value of {@code name}; exits with status 2 naming it when absent. */
    public String required(String name) {
        String v = value(name, null);
        if (v == null) {
            fail(name + " is required");
        }
        return v;
    }

    /** Whether the value-less option {@code name} was given. */
    public boolean flag(String name) {
        List<String> values = values(name);
        if (values != null && !values.isEmpty()) {
            fail(name + " takes no value, got " + values);
        }
        return values != null;
    }

    /** A comma-separated list of positive integers, such as {@code 256,128}; empty for an empty value. */
    public int[] intList(String name, int[] fallback) {
        String v = value(name, null);
        if (v == null) {
            return fallback;
        }
        try {
            int[] out = v.isBlank() ? new int[0]
                    : java.util.Arrays.stream(v.split(",")).mapToInt(t -> Integer.parseInt(t.trim())).toArray();
            for (int n : out) {
                if (n < 1) {
                    fail(name + " expects positive integers, got '" + v + "'");
                }
            }
            return out;
        } catch (NumberFormatException e) {
            fail(name + " expects comma-separated integers such as 256,128, got '" + v + "'");
            return fallback;
        }
    }

    /** A comma-separated list of numbers, such as {@code 0.001,0.01}. */
    public double[] doubleList(String name, double[] fallback) {
        String v = value(name, null);
        if (v == null) {
            return fallback;
        }
        try {
            return java.util.Arrays.stream(v.split(",")).mapToDouble(t -> Double.parseDouble(t.trim())).toArray();
        } catch (NumberFormatException e) {
            fail(name + " expects comma-separated numbers such as 0.001,0.01, got '" + v + "'");
            return fallback;
        }
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

    /** Prints {@code error: message} and exits with status 2. */
    public static void fail(String message) {
        System.err.println("error: " + message);
        System.exit(2);
    }
}
