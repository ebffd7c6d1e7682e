"""Creates the artifact bucket (argument 'create', or 'create-versioned' as the template makes it),
lists its keys ('list'), its object versions and delete markers ('versions': KIND KEY per line)
or prints a key's ETag ('etag BUCKET KEY'), in the S3 that MLFLOW_S3_ENDPOINT_URL names."""
import os
import sys

import boto3

s3 = boto3.client("s3", endpoint_url=os.environ["MLFLOW_S3_ENDPOINT_URL"], region_name="us-east-1")
if sys.argv[1] in ("create", "create-versioned"):
    s3.create_bucket(Bucket=sys.argv[2])
    if sys.argv[1] == "create-versioned":
        s3.put_bucket_versioning(Bucket=sys.argv[2], VersioningConfiguration={"Status": "Enabled"})
elif sys.argv[1] == "etag":
    print(s3.head_object(Bucket=sys.argv[2], Key=sys.argv[3])["ETag"])
elif sys.argv[1] == "versions":
    listed = s3.list_object_versions(Bucket=sys.argv[2])
    for item in listed.get("Versions", []):
        print("version", item["Key"])
    for item in listed.get("DeleteMarkers", []):
        print("delete-marker", item["Key"])
else:
    for item in s3.list_objects_v2(Bucket=sys.argv[2]).get("Contents", []):
        print(item["Key"])
