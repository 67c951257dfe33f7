package io.kortexdl.examples.jobs;

/** The ten Fashion-MNIST class names, indexed by label. */
final class FashionMnistClasses {
    static final String[] NAMES = {"T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt",
        "Sneaker", "Bag", "Ankle boot"};

    private FashionMnistClasses() {
    }
}
