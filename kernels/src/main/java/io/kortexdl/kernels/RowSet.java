package io.kortexdl.kernels;

import java.util.Arrays;

/**
 * A set of row numbers in {@code [0, capacity)} with O(1) insertion and clearing in time
 * proportional to its size, listing its members in insertion order or sorted.
 */
final class RowSet {
    private final boolean[] member;
    private int[] list = new int[64];
    private int size;

    RowSet(int capacity) {
        this.member = new boolean[capacity];
    }

    /** Adds {@code row}; returns true if it was not yet a member. */
    boolean add(int row) {
        if (member[row]) {
            return false;
        }
        member[row] = true;
        if (size == list.length) {
            list = Arrays.copyOf(list, Math.min(member.length, 2 * size));
        }
        list[size++] = row;
        return true;
    }

    /** Adds every member of {@code other}. */
    void addAll(RowSet other) {
        for (int i = 0; i < other.size; i++) {
            add(other.list[i]);
        }
    }

    int size() {
        return size;
    }

    /** The array holding the members in its first {@link #size()} places (not a copy; valid until the next change). */
    int[] members() {
        return list;
    }

    /** The {@code i}-th member in the current order. */
    int get(int i) {
        return list[i];
    }

    /** Puts the members in increasing order (the order {@link #get} then lists). */
    void sort() {
        Arrays.sort(list, 0, size);
    }

    /** The members in increasing order, as a new array. */
    int[] sorted() {
        sort();
        return Arrays.copyOf(list, size);
    }

    /** Removes every member. */
    void clear() {
        for (int i = 0; i < size; i++) {
            member[list[i]] = false;
        }
        size = 0;
    }
}
