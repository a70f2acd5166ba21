package dev.ballast.boot.internal.aop;

import java.io.IOException;
import java.io.InputStream;
import java.lang.reflect.Method;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.jspecify.annotations.Nullable;
import org.springframework.asm.ClassReader;
import org.springframework.asm.ClassVisitor;
import org.springframework.asm.MethodVisitor;
import org.springframework.asm.Opcodes;
import org.springframework.asm.SpringAsmInfo;
import org.springframework.asm.Type;

/**
 * Finds calls, inside a bean's own class, to its methods annotated {@code @Task} or {@code @DistributedLock}, by
 * reading the class file: such a call goes to {@code this}, not through Spring's proxy, so the annotation does nothing
 * for it. Reads each class of the bean's hierarchy once, at start-up; a lambda's body counts as its class's code.
 *
 * <p>An approximation on the safe side for a warning: a call on another instance of the same class is reported too,
 * and a call from a nested or anonymous class ({@code Outer.this.place()}) is not. Not thread-safe; used from the bean
 * post-processor only.
 */
final class SelfInvocations {

    private SelfInvocations() {}

    /**
     * For each of {@code annotated} (methods of {@code type} or its superclasses) that code of {@code type}'s hierarchy
     * calls, the name of one calling method ({@code Type.caller}).
     */
    static Map<Method, String> in(Class<?> type, List<Method> annotated) {
        Map<String, Method> byKey = new LinkedHashMap<>();
        for (Method method : annotated) {
            byKey.put(method.getName() + Type.getMethodDescriptor(method), method);
        }
        Map<String, Class<?>> hierarchy = new LinkedHashMap<>();
        for (Class<?> c = type; c != null && c != Object.class; c = c.getSuperclass()) {
            hierarchy.put(Type.getInternalName(c), c);
        }
        Map<Method, String> calls = new LinkedHashMap<>();
        hierarchy.values().forEach(c -> scan(c, hierarchy, byKey, calls));
        return calls;
    }

    private static void scan(
            Class<?> type, Map<String, Class<?>> hierarchy, Map<String, Method> byKey, Map<Method, String> calls) {
        byte[] bytes = classFile(type);
        if (bytes == null) {
            return; // generated at run time, or from a class loader that does not serve resources: nothing to read
        }
        new ClassReader(bytes)
                .accept(
                        new ClassVisitor(SpringAsmInfo.ASM_VERSION) {
                            @Override
                            public MethodVisitor visitMethod(
                                    int access,
                                    String caller,
                                    String descriptor,
                                    @Nullable String signature,
                                    String @Nullable [] exceptions) {
                                return new MethodVisitor(SpringAsmInfo.ASM_VERSION) {
                                    @Override
                                    public void visitMethodInsn(
                                            int opcode, String owner, String name, String desc, boolean itf) {
                                        if (opcode == Opcodes.INVOKESTATIC || !hierarchy.containsKey(owner)) {
                                            return;
                                        }
                                        Method called = byKey.get(name + desc);
                                        if (called != null && !calls.containsKey(called)) {
                                            calls.put(called, type.getSimpleName() + "." + shown(caller));
                                        }
                                    }
                                };
                            }
                        },
                        ClassReader.SKIP_DEBUG | ClassReader.SKIP_FRAMES);
    }

    /** {@code lambda$placeAll$0} is shown as {@code placeAll (in a lambda)}. */
    private static String shown(String method) {
        if (method.startsWith("lambda$")) {
            String[] parts = method.split("\\$");
            return parts.length > 1 ? parts[1] + " (in a lambda)" : method;
        }
        return method;
    }

    private static byte @Nullable [] classFile(Class<?> type) {
        ClassLoader loader = type.getClassLoader();
        if (loader == null) {
            return null;
        }
        try (InputStream in = loader.getResourceAsStream(Type.getInternalName(type) + ".class")) {
            return in == null ? null : in.readAllBytes();
        } catch (IOException e) {
            return null;
        }
    }
}
