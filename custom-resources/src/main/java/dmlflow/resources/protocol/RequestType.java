package dmlflow.resources.protocol;

/** What CloudFormation asks of a custom resource. */
public enum RequestType {
    CREATE("Create"), UPDATE("Update"), DELETE("Delete");

    private final String wireName;

    RequestType(String wireName) {
        this.wireName = wireName;
    }

    public String wireName() {
        return wireName;
    }

    static RequestType parse(String value) {
        for (RequestType type : values()) {
            if (type.wireName.equals(value)) {
                return type;
            }
        }
        throw new InvalidRequestException("unknown RequestType '" + value + "' (expected Create, Update or Delete)");
    }
}
