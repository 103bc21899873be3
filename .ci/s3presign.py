#!/usr/bin/env python3
"""Prints a presigned S3 URL (AWS Signature V4, path style) so benchmarks can PUT or GET an
object with curl directly against the S3 server, without any SDK.

usage: s3presign.py METHOD ENDPOINT BUCKET KEY ACCESS_KEY SECRET_KEY [REGION] [EXPIRES]
"""
import datetime
import hashlib
import hmac
import sys
import urllib.parse


def sign(key: bytes, msg: str) -> bytes:
    return hmac.new(key, msg.encode(), hashlib.sha256).digest()


def main() -> None:
    method, endpoint, bucket, key, access, secret = sys.argv[1:7]
    region = sys.argv[7] if len(sys.argv) > 7 else "us-east-1"
    expires = sys.argv[8] if len(sys.argv) > 8 else "600"
    url = urllib.parse.urlparse(endpoint)
    host = url.netloc
    now = datetime.datetime.now(datetime.timezone.utc)
    amz_date = now.strftime("%Y%m%dT%H%M%SZ")
    date = now.strftime("%Y%m%d")
    scope = f"{date}/{region}/s3/aws4_request"
    path = "/" + urllib.parse.quote(f"{bucket}/{key}", safe="/-_.~")
    query = {
        "X-Amz-Algorithm": "AWS4-HMAC-SHA256",
        "X-Amz-Credential": f"{access}/{scope}",
        "X-Amz-Date": amz_date,
        "X-Amz-Expires": expires,
        "X-Amz-SignedHeaders": "host",
    }
    canonical_query = "&".join(
        f"{urllib.parse.quote(k, safe='-_.~')}={urllib.parse.quote(v, safe='-_.~')}" for k, v in sorted(query.items())
    )
    canonical = "\n".join([method, path, canonical_query, f"host:{host}\n", "host", "UNSIGNED-PAYLOAD"])
    to_sign = "\n".join(["AWS4-HMAC-SHA256", amz_date, scope, hashlib.sha256(canonical.encode()).hexdigest()])
    k = sign(("AWS4" + secret).encode(), date)
    k = sign(k, region)
    k = sign(k, "s3")
    k = sign(k, "aws4_request")
    signature = hmac.new(k, to_sign.encode(), hashlib.sha256).hexdigest()
    print(f"{url.scheme}://{host}{path}?{canonical_query}&X-Amz-Signature={signature}")


if __name__ == "__main__":
    main()
