package io.switchboard.support;

import java.security.SecureRandom;
import java.util.SplittableRandom;
import java.util.function.Consumer;
import java.util.function.Function;
import java.util.random.RandomGenerator;

/**
 * Runs a check over generated inputs, a bounded number of tries from one seed. The seed is new on
 * every run, so runs together cover more inputs, and a failure names it:
 * {@code -Dswitchboard.fuzz.seed=N} replays the same inputs, {@code -Dswitchboard.fuzz.scale=K}
 * runs K times the tries (for a longer hunt by hand; the suite keeps the default, 1).
 */
public final class Fuzz {

    /** This run's seed: the one given, or a new one. */
    public static final long SEED = Long.getLong("switchboard.fuzz.seed", new SecureRandom().nextLong());
    private static final int SCALE = Integer.getInteger("switchboard.fuzz.scale", 1);
    private static final int SHOWN = 400;

    private Fuzz() {
    }

    /** A random source starting from this run's seed (each caller gets the same sequence). */
    public static RandomGenerator random() {
        return new SplittableRandom(SEED);
    }

    /** {@code tries} times the scale. */
    public static int tries(int tries) {
        return tries * SCALE;
    }

    /** Checks {@code tries} generated inputs; the first that fails is reported with the seed and the try. */
    public static <T> void forAll(int tries, Function<RandomGenerator, T> generate, Consumer<T> check) {
        RandomGenerator random = random();
        for (int i = 0; i < tries(tries); i++) {
            T input = generate.apply(random);
            try {
                check.accept(input);
            } catch (Throwable failure) {
                throw new AssertionError(failed(i) + ", input " + show(input), failure);
            }
        }
    }

    /** What a failure should say so that it can be replayed. */
    public static String failed(int attempt) {
        return "failed at try " + attempt + " of seed " + SEED + " (replay with -Dswitchboard.fuzz.seed=" + SEED + ")";
    }

    /** An input for a failure message: control characters and lone surrogates shown as {@code <U+XXXX>}, long ones cut. */
    public static String show(Object input) {
        String text = String.valueOf(input);
        StringBuilder out = new StringBuilder();
        int i = 0;
        for (; i < text.length() && out.length() < SHOWN; i++) {
            char c = text.charAt(i);
            boolean paired = Character.isHighSurrogate(c) && i + 1 < text.length()
                    && Character.isLowSurrogate(text.charAt(i + 1))
                    || Character.isLowSurrogate(c) && i > 0 && Character.isHighSurrogate(text.charAt(i - 1));
            if (Character.isISOControl(c) || Character.isSurrogate(c) && !paired) {
                out.append(String.format("<U+%04X>", (int) c)); // the inputs hold JSON escapes, so no backslash form
            } else {
                out.append(c);
            }
        }
        return i == text.length() ? out.toString() : out + "... (" + text.length() + " characters)";
    }
}
