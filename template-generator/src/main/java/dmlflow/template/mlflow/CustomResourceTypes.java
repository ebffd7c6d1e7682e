package dmlflow.template.mlflow;

/**
 * The template's custom resource types: what the handlers in custom-resources answer, and what
 * the documents drawn from the template (the architecture picture) look for.
 */
public final class CustomResourceTypes {
    /** Makes MLflow's databases and its least-privilege user (DatabaseSetupHandler). */
    public static final String DATABASE = "Custom::MlflowDatabase";
    /** Brings the schema up to date before the service starts (SchemaMigrationHandler). */
    public static final String SCHEMA = "Custom::MlflowSchema";
    /** Holds the stack until the tracking server is healthy (HealthGateHandler). */
    public static final String HEALTH = "Custom::MlflowHealth";

    private CustomResourceTypes() {
    }
}
