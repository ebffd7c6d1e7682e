"""Creates the artifact bucket (argument 'create'), lists its keys ('list') or prints a key's ETag
('etag BUCKET KEY'), in the S3 that MLFLOW_S3_ENDPOINT_URL names."""
import os
import sys

import boto3

s3 = boto3.client("s3", endpoint_url=os.environ["MLFLOW_S3_ENDPOINT_URL"], region_name="us-east-1")
if sys.argv[1] == "create":
    s3.create_bucket(Bucket=sys.argv[2])
elif sys.argv[1] == "etag":
    print(s3.head_object(Bucket=sys.argv[2], Key=sys.argv[3])["ETag"])
else:
    for item in s3.list_objects_v2(Bucket=sys.argv[2]).get("Contents", []):
        print(item["Key"])
