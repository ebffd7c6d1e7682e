import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.URI;
import java.nio.file.FileSystem;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.jar.JarEntry;
import java.util.jar.JarFile;
import java.util.jar.JarOutputStream;
import java.util.stream.Stream;

/**
 * Build helper, run by the JDK's source launcher ({@code java build-tools/JarTool.java …}) so it
 * needs nothing compiled:
 * <ul>
 *   <li>{@code jdk-library OUT.jar MODULE…}: the running JDK's classes of those modules, read from
 *       its {@code jrt:/} file system, as a jar ProGuard can take as a library. Every JDK has
 *       {@code jrt:/}; not every one ships {@code jmods/} (Temurin 25 does not, some Linux
 *       distributions package them apart).</li>
 *   <li>{@code normalize JAR}: rewrites a jar with its entries sorted and every timestamp fixed,
 *       so that the same classes give the same bytes (ProGuard stamps entries with the build time).</li>
 * </ul>
 */
public final class JarTool {
    /** 2000-01-01T00:00:00Z: any fixed instant; a zip stores local DOS time, so one after 1980. */
    private static final long FIXED_TIME = 946684800000L;

    public static void main(String[] args) throws IOException {
        if (args.length >= 2 && args[0].equals("jdk-library")) {
            jdkLibrary(Path.of(args[1]), List.of(args).subList(2, args.length));
        } else if (args.length == 2 && args[0].equals("normalize")) {
            normalize(Path.of(args[1]));
        } else {
            System.err.println("usage: JarTool jdk-library OUT.jar MODULE... | JarTool normalize JAR");
            System.exit(2);
        }
    }

    private static void jdkLibrary(Path out, List<String> modules) throws IOException {
        Map<String, byte[]> entries = new TreeMap<>();
        FileSystem jrt = FileSystems.getFileSystem(URI.create("jrt:/"));
        for (String module : modules) {
            Path root = jrt.getPath("/modules", module);
            if (!Files.isDirectory(root)) {
                throw new IOException("this JDK (" + System.getProperty("java.home") + ") has no module " + module);
            }
            try (Stream<Path> files = Files.walk(root)) {
                for (Path file : (Iterable<Path>) files.filter(Files::isRegularFile)
                        .filter(f -> f.toString().endsWith(".class") && !f.getFileName().toString().equals("module-info.class"))::iterator) {
                    entries.putIfAbsent(root.relativize(file).toString(), readableByProGuard(Files.readAllBytes(file)));
                }
            }
        }
        write(out, entries);
    }

    /** Class file major version of Java 17, the release the handlers are compiled for. */
    private static final int JAVA_17 = 61;

    /**
     * ProGuard reads library classes only for their names, hierarchy and members, but refuses a
     * class file newer than it knows (7.8.2: Java 24, major 68) — every class of JDK 25. Such a
     * library class is handed over labelled as Java 17; its contents are left as they are.
     */
    private static byte[] readableByProGuard(byte[] classFile) {
        int major = ((classFile[6] & 0xff) << 8) | (classFile[7] & 0xff);
        if (major > JAVA_17) {
            classFile[6] = (byte) (JAVA_17 >> 8);
            classFile[7] = (byte) JAVA_17;
        }
        return classFile;
    }

    private static void normalize(Path jar) throws IOException {
        Map<String, byte[]> entries = new TreeMap<>();
        try (JarFile in = new JarFile(jar.toFile(), false)) {
            for (JarEntry entry : (Iterable<JarEntry>) in.stream()::iterator) {
                if (!entry.isDirectory()) {
                    try (InputStream data = in.getInputStream(entry)) {
                        entries.put(entry.getName(), data.readAllBytes());
                    }
                }
            }
        }
        Path temporary = jar.resolveSibling(jar.getFileName() + ".normalizing");
        write(temporary, entries);
        Files.move(temporary, jar, StandardCopyOption.REPLACE_EXISTING);
    }

    /** The manifest first (as jar readers expect), then every entry in name order, all at one instant. */
    private static void write(Path out, Map<String, byte[]> entries) throws IOException {
        Files.createDirectories(out.toAbsolutePath().getParent());
        try (OutputStream file = Files.newOutputStream(out); JarOutputStream jar = new JarOutputStream(file)) {
            byte[] manifest = entries.remove("META-INF/MANIFEST.MF");
            if (manifest != null) {
                put(jar, "META-INF/MANIFEST.MF", manifest);
            }
            for (Map.Entry<String, byte[]> entry : entries.entrySet()) {
                put(jar, entry.getKey(), entry.getValue());
            }
        }
    }

    private static void put(JarOutputStream jar, String name, byte[] data) throws IOException {
        JarEntry entry = new JarEntry(name);
        entry.setTime(FIXED_TIME);
        jar.putNextEntry(entry);
        jar.write(data);
        jar.closeEntry();
    }
}
