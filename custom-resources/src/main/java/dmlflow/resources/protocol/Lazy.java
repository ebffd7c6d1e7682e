package dmlflow.resources.protocol;

import java.util.function.Supplier;

/**
 * A value made on first use and then kept for the container's life (AWS clients). Made lazily
 * so that a failure to build it happens inside a request, where it becomes a FAILED answer,
 * not in the constructor, where Lambda would fail without answering; a failed attempt is
 * retried by the next request.
 */
public final class Lazy<T> implements Supplier<T> {
    private final Supplier<T> factory;
    private volatile T value;

    public Lazy(Supplier<T> factory) {
        this.factory = factory;
    }

    @Override
    public T get() {
        T current = value;
        if (current == null) {
            synchronized (this) {
                current = value;
                if (current == null) {
                    current = factory.get();
                    value = current;
                }
            }
        }
        return current;
    }
}
