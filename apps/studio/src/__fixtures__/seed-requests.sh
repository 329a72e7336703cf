# The product description's (the "seed's") curl requests, as printed. The seed text itself is not in this repository;
# these are reconstructed from issue #10: AI Studio-style requests with -d and no Content-Type, only name and command
# required, AI Studio's optional fields. seed-replay.test.ts runs each block with the real curl binary, substituting
# only http://localhost:8080, YOUR_API_TOKEN and the plugin endpoints' host:port, and checks the answer named in the
# "# expect:" line above it.

# expect: 201 a remote gRPC plugin is registered and running
curl -X POST http://localhost:8080/api/v1/plugins \
  -H "Authorization: Bearer YOUR_API_TOKEN" \
  -d '{
    "name": "Remote Rate Limiter",
    "command": "grpc://plugin-server.example.com:50051",
    "hook_type": "post_auth",
    "is_active": true,
    "config": {"requests_per_minute": 100}
  }'

# expect: 201 an OCI plugin is pulled and running
curl -X POST http://localhost:8080/api/v1/plugins \
  -H "Authorization: Bearer YOUR_API_TOKEN" \
  -d '{
    "name": "Header Injector",
    "command": "oci://registry.example.com/plugins/injector:1.0.0",
    "hook_type": "pre_auth",
    "namespace": "team-a",
    "load_immediately": true
  }'

# expect: 200 the plugin list, filtered and paged
curl -H "Authorization: Bearer YOUR_API_TOKEN" \
  "http://localhost:8080/api/v1/plugins?limit=10&is_active=true"

# expect: 200 one plugin
curl -H "Authorization: Bearer YOUR_API_TOKEN" http://localhost:8080/api/v1/plugins/1

# expect: 200 the plugin's health
curl -H "Authorization: Bearer YOUR_API_TOKEN" http://localhost:8080/api/v1/plugins/1/health

# expect: 200 the plugin is reloaded
curl -X POST http://localhost:8080/api/v1/plugins/1/reload \
  -H "Authorization: Bearer YOUR_API_TOKEN"

# expect: 200 the plugin is updated
curl -X PATCH http://localhost:8080/api/v1/plugins/1 \
  -H "Authorization: Bearer YOUR_API_TOKEN" \
  -d '{"is_active": false}'

# expect: 204 the plugin is deleted
curl -X DELETE http://localhost:8080/api/v1/plugins/1 \
  -H "Authorization: Bearer YOUR_API_TOKEN"
