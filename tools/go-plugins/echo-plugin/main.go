// echo-plugin: a plugway plugin written the way AI Studio plugins are — hashicorp go-plugin's plugin.Serve with a
// gRPC PluginService — used by the tests to prove the TypeScript host drives unmodified Go plugins.
package main

import (
	"context"
	"encoding/json"
	"os"

	"github.com/hashicorp/go-plugin"
	pb "github.com/plugway/plugway/proto/plugin"
	"google.golang.org/grpc"
)

type server struct {
	pb.UnimplementedPluginServiceServer
	config map[string]string
}

func (s *server) Initialize(_ context.Context, req *pb.InitRequest) (*pb.InitResponse, error) {
	s.config = req.GetConfig()
	return &pb.InitResponse{Success: true}, nil
}

func (s *server) Ping(_ context.Context, req *pb.PingRequest) (*pb.PingResponse, error) {
	return &pb.PingResponse{Timestamp: req.GetTimestamp(), Healthy: true}, nil
}

func (s *server) ProcessPreAuth(_ context.Context, req *pb.PluginRequest) (*pb.PluginResponse, error) {
	headers := map[string]string{}
	for k, v := range req.GetHeaders() {
		headers[k] = v
	}
	headers["x-go-plugin"] = "echo"
	if v, ok := s.config["greeting"]; ok {
		headers["x-greeting"] = v
	}
	headers["x-seen-path"] = req.GetPath()
	return &pb.PluginResponse{Modified: true, Headers: headers}, nil
}

func (s *server) Authenticate(_ context.Context, req *pb.AuthRequest) (*pb.AuthResponse, error) {
	return &pb.AuthResponse{Authenticated: req.GetCredential() == "go-secret", UserId: "go-user"}, nil
}

func (s *server) GetManifest(_ context.Context, _ *pb.GetManifestRequest) (*pb.GetManifestResponse, error) {
	b, _ := json.Marshal(map[string]interface{}{"name": "echo-plugin", "version": "1.0.0", "language": "go"})
	return &pb.GetManifestResponse{Success: true, ManifestJson: string(b)}, nil
}

// grpcPlugin plugs the service into go-plugin's gRPC server.
type grpcPlugin struct {
	plugin.NetRPCUnsupportedPlugin
}

func (grpcPlugin) GRPCServer(_ *plugin.GRPCBroker, s *grpc.Server) error {
	pb.RegisterPluginServiceServer(s, &server{})
	return nil
}

func (grpcPlugin) GRPCClient(_ context.Context, _ *plugin.GRPCBroker, c *grpc.ClientConn) (interface{}, error) {
	return pb.NewPluginServiceClient(c), nil
}

func main() {
	if os.Getenv("ECHO_PLUGIN_CRASH") == "1" {
		os.Exit(9)
	}
	plugin.Serve(&plugin.ServeConfig{
		HandshakeConfig: plugin.HandshakeConfig{ProtocolVersion: 1, MagicCookieKey: "AI_STUDIO_PLUGIN", MagicCookieValue: "v1"},
		Plugins:         map[string]plugin.Plugin{"plugin": grpcPlugin{}},
		GRPCServer:      plugin.DefaultGRPCServer,
	})
}
