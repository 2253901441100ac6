package org.scans.cli;

public final class Main {
    public static void main(String[] args) {
        System.out.println("scans-engine");
    }
}
