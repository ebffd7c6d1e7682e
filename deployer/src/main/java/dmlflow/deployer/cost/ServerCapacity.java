package dmlflow.deployer.cost;

import java.util.List;
import java.util.Map;

/**
 * What one task of the plan can serve, from the figures scripts/bench-server.sh measured (README
 * "How fast it serves"): its memory at peak, and the largest artifact its disk lets through. The
 * template states the same figures in the Workers and EphemeralStorageGiB descriptions
 * (ServerCapacityTest keeps them equal).
 */
public final class ServerCapacity {
    public static final int WORKER_PEAK_MIB = 480;
    public static final int SERVER_BASE_MIB = 200;
    /** The default image unpacked on the task's ephemeral storage, rounded up. */
    static final int IMAGE_GIB = 5;

    private ServerCapacity() {
    }

    /** The lines plan prints, from the effective parameter values (every one of the template's present). */
    public static List<String> describe(Map<String, String> effective) {
        int workers = Integer.parseInt(effective.get("Workers"));
        int memory = Integer.parseInt(effective.get("TaskMemory"));
        int storage = Integer.parseInt(effective.get("EphemeralStorageGiB"));
        int peak = SERVER_BASE_MIB + workers * WORKER_PEAK_MIB;
        return List.of(
                "Each task:",
                String.format("  memory at peak    ~%d MiB of %d (%d%%): %d worker%s at ~%d MiB, %d MiB besides",
                        peak, memory, Math.round(100.0 * peak / memory), workers, workers == 1 ? "" : "s",
                        WORKER_PEAK_MIB, SERVER_BASE_MIB),
                String.format("  largest artifact  ~%d GiB through the server (each passes whole through its %d GiB",
                        storage - IMAGE_GIB, storage),
                String.format("                    disk, ~%d GiB of which the image takes)", IMAGE_GIB),
                "  over ~1 GB        set MLFLOW_ENABLE_PROXY_MULTIPART_UPLOAD=true and",
                "                    MLFLOW_ENABLE_PROXY_MULTIPART_DOWNLOAD=true on clients: MLflow's client",
                "                    waits only 120 s while the server moves a file to or from S3");
    }
}
