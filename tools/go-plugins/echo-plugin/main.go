// echo-plugin: a plugin written the way AI Studio plugins are — hashicorp go-plugin's plugin.Serve with the
// AI_STUDIO_PLUGIN=v1 handshake and a gRPC plugin.PluginService generated from plugway's .proto — that the tests use to
// check every field the hosts send and receive. Configured through Initialize (the config map):
//
//	record          file the plugin appends each hook request to, one JSON line {"method":…,"request":<protojson>}
//	respond.<RPC>   protojson of the response that RPC returns (e.g. respond.ProcessPreAuth); default: an empty answer
//	stdout_bytes    bytes the plugin writes to its stdout, line by line, during each ProcessPreAuth
//
// It also serves config_provider.ConfigProviderService (go-plugin plugin "config"); ECHO_PLUGIN_FAIL_INFO=1 makes
// every manifest / config-schema answer success=false.
//
// With ECHO_PLUGIN_LISTEN=host:port it is instead a plain gRPC server registering only plugin.PluginService (no
// go-plugin, no grpc.health.v1), as a remote grpc:// plugin; it prints "listening <addr>" on stdout.
package main

import (
	"context"
	"encoding/json"
	"fmt"
	"net"
	"os"
	"strconv"
	"strings"
	"sync"

	"github.com/golang/protobuf/jsonpb"
	"github.com/golang/protobuf/proto"
	"github.com/hashicorp/go-plugin"
	cpb "github.com/plugway/plugway/proto/config_provider"
	pb "github.com/plugway/plugway/proto/plugin"
	"google.golang.org/grpc"
)

type server struct {
	pb.UnimplementedPluginServiceServer
	mu     sync.Mutex
	config map[string]string
}

func (s *server) Initialize(_ context.Context, req *pb.InitRequest) (*pb.InitResponse, error) {
	captureStdout()
	s.mu.Lock()
	s.config = req.GetConfig()
	s.mu.Unlock()
	s.record("Initialize", req)
	return &pb.InitResponse{Success: true}, nil
}

func (s *server) Ping(_ context.Context, req *pb.PingRequest) (*pb.PingResponse, error) {
	return &pb.PingResponse{Timestamp: req.GetTimestamp(), Healthy: true}, nil
}

func (s *server) conf(key string) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.config[key]
}

// record appends the request as protojson to the file named by config "record".
func (s *server) record(method string, req proto.Message) {
	file := s.conf("record")
	if file == "" {
		return
	}
	js, err := (&jsonpb.Marshaler{}).MarshalToString(req)
	if err != nil {
		return
	}
	line, _ := json.Marshal(map[string]interface{}{"method": method, "request": json.RawMessage(js)})
	f, err := os.OpenFile(file, os.O_APPEND|os.O_CREATE|os.O_WRONLY, 0o600)
	if err != nil {
		return
	}
	defer f.Close()
	f.Write(append(line, '\n'))
}

// answer records the request and fills res from config "respond.<method>".
func (s *server) answer(method string, req proto.Message, res proto.Message) error {
	s.record(method, req)
	if js := s.conf("respond." + method); js != "" {
		if err := jsonpb.UnmarshalString(js, res); err != nil {
			return fmt.Errorf("respond.%s is not protojson: %v", method, err)
		}
	}
	return nil
}

func (s *server) ProcessPreAuth(_ context.Context, req *pb.PluginRequest) (*pb.PluginResponse, error) {
	captureStdout()
	if n, _ := strconv.Atoi(s.conf("stdout_bytes")); n > 0 {
		line := strings.Repeat("x", 63)
		for written := 0; written < n; written += 64 {
			fmt.Println(line)
		}
	}
	res := &pb.PluginResponse{}
	return res, s.answer("ProcessPreAuth", req, res)
}

func (s *server) Authenticate(_ context.Context, req *pb.AuthRequest) (*pb.AuthResponse, error) {
	res := &pb.AuthResponse{}
	return res, s.answer("Authenticate", req, res)
}

func (s *server) ProcessPostAuth(_ context.Context, req *pb.EnrichedRequest) (*pb.PluginResponse, error) {
	res := &pb.PluginResponse{}
	return res, s.answer("ProcessPostAuth", req, res)
}

func (s *server) OnBeforeWriteHeaders(_ context.Context, req *pb.HeadersRequest) (*pb.HeadersResponse, error) {
	res := &pb.HeadersResponse{}
	return res, s.answer("OnBeforeWriteHeaders", req, res)
}

func (s *server) OnBeforeWrite(_ context.Context, req *pb.ResponseWriteRequest) (*pb.ResponseWriteResponse, error) {
	res := &pb.ResponseWriteResponse{}
	return res, s.answer("OnBeforeWrite", req, res)
}

func (s *server) OnStreamComplete(_ context.Context, req *pb.StreamCompleteRequest) (*pb.StreamCompleteResponse, error) {
	res := &pb.StreamCompleteResponse{}
	return res, s.answer("OnStreamComplete", req, res)
}

func (s *server) HandleProxyLog(_ context.Context, req *pb.ProxyLogRequest) (*pb.DataCollectionResponse, error) {
	res := &pb.DataCollectionResponse{Success: true}
	return res, s.answer("HandleProxyLog", req, res)
}

func (s *server) HandleAnalytics(_ context.Context, req *pb.AnalyticsRequest) (*pb.DataCollectionResponse, error) {
	res := &pb.DataCollectionResponse{Success: true}
	return res, s.answer("HandleAnalytics", req, res)
}

// failing: ECHO_PLUGIN_FAIL_INFO=1 makes the manifest / schema answers success=false (with JSON that looks fine).
var failing = os.Getenv("ECHO_PLUGIN_FAIL_INFO") == "1"

func manifestJSON(via string) string {
	b, _ := json.Marshal(map[string]interface{}{"name": "echo-plugin", "version": "1.0.0", "language": "go", "via": via})
	return string(b)
}

func schemaJSON(via string) string {
	return `{"type":"object","properties":{"record":{"type":"string"}},"x-via":"` + via + `"}`
}

func (s *server) GetManifest(_ context.Context, _ *pb.GetManifestRequest) (*pb.GetManifestResponse, error) {
	if failing {
		return &pb.GetManifestResponse{Success: false, ManifestJson: manifestJSON("plugin"), ErrorMessage: "manifest unavailable"}, nil
	}
	return &pb.GetManifestResponse{Success: true, ManifestJson: manifestJSON("plugin")}, nil
}

func (s *server) GetConfigSchema(_ context.Context, _ *pb.GetConfigSchemaRequest) (*pb.GetConfigSchemaResponse, error) {
	if failing {
		return &pb.GetConfigSchemaResponse{Success: false, SchemaJson: schemaJSON("plugin"), ErrorMessage: "schema unavailable"}, nil
	}
	return &pb.GetConfigSchemaResponse{Success: true, SchemaJson: schemaJSON("plugin")}, nil
}

// configServer is what go-plugin hosts dispense as plugin "config" (config-only loading, no hooks).
type configServer struct {
	cpb.UnimplementedConfigProviderServiceServer
}

func (configServer) GetConfigSchema(_ context.Context, _ *cpb.ConfigSchemaRequest) (*cpb.ConfigSchemaResponse, error) {
	return &cpb.ConfigSchemaResponse{Success: !failing, SchemaJson: schemaJSON("config")}, nil
}

func (configServer) GetManifest(_ context.Context, _ *cpb.GetManifestRequest) (*cpb.GetManifestResponse, error) {
	return &cpb.GetManifestResponse{Success: !failing, ManifestJson: manifestJSON("config")}, nil
}

func (configServer) Ping(_ context.Context, req *cpb.ConfigPingRequest) (*cpb.ConfigPingResponse, error) {
	return &cpb.ConfigPingResponse{Timestamp: req.GetTimestamp(), Healthy: true}, nil
}

// grpcPlugin plugs the service into go-plugin's gRPC server.
type grpcPlugin struct {
	plugin.NetRPCUnsupportedPlugin
}

func (grpcPlugin) GRPCServer(_ *plugin.GRPCBroker, s *grpc.Server) error {
	pb.RegisterPluginServiceServer(s, &server{})
	cpb.RegisterConfigProviderServiceServer(s, configServer{})
	return nil
}

func (grpcPlugin) GRPCClient(_ context.Context, _ *plugin.GRPCBroker, c *grpc.ClientConn) (interface{}, error) {
	return pb.NewPluginServiceClient(c), nil
}

func main() {
	if os.Getenv("ECHO_PLUGIN_CRASH") == "1" {
		os.Exit(9)
	}
	if addr := os.Getenv("ECHO_PLUGIN_LISTEN"); addr != "" {
		lis, err := net.Listen("tcp", addr)
		if err != nil {
			fmt.Fprintln(os.Stderr, "listen:", err)
			os.Exit(2)
		}
		s := grpc.NewServer()
		pb.RegisterPluginServiceServer(s, &server{})
		fmt.Printf("listening %s\n", lis.Addr())
		s.Serve(lis)
		return
	}
	plugin.Serve(&plugin.ServeConfig{
		HandshakeConfig: plugin.HandshakeConfig{ProtocolVersion: 1, MagicCookieKey: "AI_STUDIO_PLUGIN", MagicCookieValue: "v1"},
		Plugins:         map[string]plugin.Plugin{"plugin": grpcPlugin{}},
		GRPCServer: func(opts []grpc.ServerOption) *grpc.Server {
			s := grpc.NewServer(opts...)
			registerStdio(s)
			return s
		},
	})
}
