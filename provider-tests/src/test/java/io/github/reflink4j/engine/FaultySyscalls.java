package io.github.reflink4j.engine;

import java.lang.reflect.InvocationHandler;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Proxy;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

import io.github.reflink4j.linux.Errno;
import io.github.reflink4j.linux.NativeException;
import io.github.reflink4j.linux.Syscalls;

/**
 * The real binding with scripted faults in front of chosen calls, for the outcomes the kernel
 * cannot be made to produce on demand (EIO after some progress, a short or empty
 * copy_file_range, a clone that reports success but is short, an error from close). Every call
 * without a fault reaches the kernel unchanged, on a real file system.
 *
 * <pre>{@code
 * FaultySyscalls faults = new FaultySyscalls()
 *         .on("copyFileRange", call -> call.n() == 2 ? call.fail(Errno.EIO) : call.proceed());
 * CopyEngine.copyOpenFile(faults.syscalls(), ...);   // the second copy_file_range fails with EIO
 * }</pre>
 */
final class FaultySyscalls {
    /** One call of a faulted method: its arguments, its number among that method's calls, and the real call. */
    interface Call {
        /** Counts this method's calls from 1. */
        int n();

        Object[] args();

        /** Makes the real call and returns its result. */
        Object proceed() throws Throwable;

        /** The NativeException the call would throw with {@code errno}. */
        NativeException fail(Errno errno);
    }

    /** What a call does instead of, or around, the real one. */
    @FunctionalInterface
    interface Fault {
        Object call(Call call) throws Throwable;
    }

    /** Makes the real call, then interrupts the calling thread, as if another thread did during the call. */
    static final Fault INTERRUPT_AFTER = call -> {
        Object result = call.proceed();
        Thread.currentThread().interrupt();
        return result;
    };

    private final Syscalls real = Syscalls.linux();
    // the engine may call from several threads (tree copies): everything here is thread-safe
    private final Map<String, Fault> faults = new ConcurrentHashMap<>();
    private final Map<String, AtomicInteger> calls = new ConcurrentHashMap<>();
    private final Set<Integer> created = ConcurrentHashMap.newKeySet();
    private final Set<Integer> open = ConcurrentHashMap.newKeySet();
    private final Set<Integer> everOpened = ConcurrentHashMap.newKeySet();
    private final List<String> closedTwice = new CopyOnWriteArrayList<>();

    /**
     * Puts {@code fault} in front of every call of {@code method}. A name that is no method of
     * {@link Syscalls} (a typo, or a method since renamed) is refused: its fault would never run,
     * and a test expecting the fault's outcome could pass on the fault-free path.
     */
    FaultySyscalls on(String method, Fault fault) {
        if (Arrays.stream(Syscalls.class.getMethods())
                .noneMatch(m -> m.getName().equals(method))) {
            throw new IllegalArgumentException("Syscalls has no method " + method + ": nothing would be injected");
        }
        faults.put(method, fault);
        return this;
    }

    /** How often the engine called {@code method}. */
    int calls(String method) {
        AtomicInteger n = calls.get(method);
        return n == null ? 0 : n.get();
    }

    /** Whether {@code fd} is a file the engine created (the new target or the temporary beside an existing one). */
    boolean isCreated(int fd) {
        return created.contains(fd);
    }

    /**
     * Descriptors the engine closed that it had opened through this binding and already closed
     * (a double close can close a file another thread has just opened under that number).
     */
    List<String> closedTwice() {
        return List.copyOf(closedTwice);
    }

    /** The real binding, for the test's own calls. */
    Syscalls real() {
        return real;
    }

    Syscalls syscalls() {
        InvocationHandler handler = (proxy, method, args) -> {
            int n = calls.computeIfAbsent(method.getName(), k -> new AtomicInteger())
                    .incrementAndGet();
            if (method.getName().equals("close")) {
                int fd = (Integer) args[0];
                if (!open.remove(fd) && everOpened.contains(fd)) {
                    closedTwice.add("descriptor " + fd);
                }
            }
            Fault fault = faults.get(method.getName());
            Object result;
            if (fault == null) {
                result = invoke(method, args);
            } else {
                result = fault.call(new Call() {
                    @Override
                    public int n() {
                        return n;
                    }

                    @Override
                    public Object[] args() {
                        return args;
                    }

                    @Override
                    public Object proceed() throws Throwable {
                        return invoke(method, args);
                    }

                    @Override
                    public NativeException fail(Errno errno) {
                        return new NativeException(method.getName() + " (injected)", errno.value());
                    }
                });
            }
            if (method.getName().equals("createExclusive") && (Integer) result >= 0) {
                created.add((Integer) result);
            }
            if (method.getName().startsWith("open") || method.getName().equals("createExclusive")) {
                if ((Integer) result >= 0) {
                    open.add((Integer) result);
                    everOpened.add((Integer) result);
                }
            }
            return result;
        };
        return (Syscalls)
                Proxy.newProxyInstance(Syscalls.class.getClassLoader(), new Class<?>[] {Syscalls.class}, handler);
    }

    private Object invoke(Method method, Object[] args) throws Throwable {
        try {
            return method.invoke(real, args);
        } catch (InvocationTargetException e) {
            throw e.getCause();
        }
    }
}
