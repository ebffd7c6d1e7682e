package dmlflow.resources.protocol;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;

/** The moment by which a verb must have finished, so that the answer still goes out in time. */
public record Deadline(Clock clock, Instant at) {
    public Duration remaining() {
        Duration left = Duration.between(clock.instant(), at);
        return left.isNegative() ? Duration.ZERO : left;
    }

    public boolean passed() {
        return !clock.instant().isBefore(at);
    }

    /** An earlier deadline: the sooner of this one and {@code timeout} from now. */
    public Deadline within(Duration timeout) {
        Instant other = clock.instant().plus(timeout);
        return other.isBefore(at) ? new Deadline(clock, other) : this;
    }

    /** Sleeps for {@code pause}, or until the deadline if that comes first. */
    public void sleep(Duration pause) throws InterruptedException {
        long millis = Math.min(pause.toMillis(), remaining().toMillis());
        if (millis > 0) {
            Thread.sleep(millis);
        }
    }
}
