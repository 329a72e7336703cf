// go-host: the host side of hashicorp go-plugin (plugin.NewClient), as AI Studio's Go hosts run plugins: handshake
// AI_STUDIO_PLUGIN=v1 (app protocol 1), plugin names "plugin" (plugin.PluginService) and "config"
// (config_provider.ConfigProviderService), both from plugway's .proto written from AI Studio's wire contract. It
// launches the plugin executable given as its first argument, makes the calls listed in the JSON script (second
// argument: [{"method":"ProcessPreAuth","request":{…protojson…}}, {"method":"config.GetManifest"}, …]), prints the
// results as JSON on stdout and stops the plugin with client.Kill() (controller Shutdown, then a kill after 2 s).
// Tests use it to prove that plugins written with @plugway/plugin-sdk run under an unmodified Go go-plugin host.
package main

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"time"

	"github.com/golang/protobuf/jsonpb"
	"github.com/golang/protobuf/proto"
	"github.com/hashicorp/go-hclog"
	"github.com/hashicorp/go-plugin"
	cpb "github.com/plugway/plugway/proto/config_provider"
	pb "github.com/plugway/plugway/proto/plugin"
	"google.golang.org/grpc"
)

type call struct {
	Method  string          `json:"method"`
	Request json.RawMessage `json:"request"`
}

type result struct {
	Method   string          `json:"method"`
	Response json.RawMessage `json:"response,omitempty"`
	Error    string          `json:"error,omitempty"`
}

// rawPlugin hands the dispensed gRPC connection itself to main, which invokes methods generically.
type rawPlugin struct {
	plugin.NetRPCUnsupportedPlugin
}

func (rawPlugin) GRPCServer(_ *plugin.GRPCBroker, _ *grpc.Server) error { return nil }
func (rawPlugin) GRPCClient(_ context.Context, _ *plugin.GRPCBroker, c *grpc.ClientConn) (interface{}, error) {
	return c, nil
}

func fail(format string, args ...interface{}) {
	fmt.Fprintf(os.Stderr, "go-host: "+format+"\n", args...)
	os.Exit(2)
}

func main() {
	if len(os.Args) < 3 {
		fail("usage: go-host <plugin-executable> '<json calls>'")
	}
	var calls []call
	if err := json.Unmarshal([]byte(os.Args[2]), &calls); err != nil {
		fail("bad calls JSON: %v", err)
	}
	logger := hclog.New(&hclog.LoggerOptions{Name: "go-host", Level: hclog.Debug, Output: os.Stderr})
	client := plugin.NewClient(&plugin.ClientConfig{
		HandshakeConfig:  plugin.HandshakeConfig{ProtocolVersion: 1, MagicCookieKey: "AI_STUDIO_PLUGIN", MagicCookieValue: "v1"},
		Plugins:          map[string]plugin.Plugin{"plugin": rawPlugin{}, "config": rawPlugin{}},
		Cmd:              exec.Command(os.Args[1]),
		AllowedProtocols: []plugin.Protocol{plugin.ProtocolGRPC},
		StartTimeout:     60 * time.Second,
		Logger:           logger,
	})
	defer client.Kill()
	rpc, err := client.Client()
	if err != nil {
		fail("start: %v", err)
	}
	conns := map[string]*grpc.ClientConn{}
	for _, name := range []string{"plugin", "config"} {
		raw, err := rpc.Dispense(name)
		if err != nil {
			fail("dispense %s: %v", name, err)
		}
		conns[name] = raw.(*grpc.ClientConn)
	}
	if err := rpc.Ping(); err != nil {
		fail("health ping: %v", err)
	}
	out := []result{}
	for _, c := range calls {
		// "config.X" calls config_provider.ConfigProviderService/X on the "config" plugin; anything else PluginService.
		conn, service, name := conns["plugin"], "/plugin.PluginService/", upperFirst(c.Method)
		table := methods
		if strings.HasPrefix(c.Method, "config.") {
			conn, service, name, table = conns["config"], "/config_provider.ConfigProviderService/", strings.TrimPrefix(c.Method, "config."), configMethods
		}
		newMsgs, ok := table[name]
		if !ok {
			out = append(out, result{Method: c.Method, Error: "no such method"})
			continue
		}
		req, res := newMsgs()
		if len(c.Request) > 0 {
			if err := jsonpb.UnmarshalString(string(c.Request), req); err != nil {
				out = append(out, result{Method: c.Method, Error: "bad request: " + err.Error()})
				continue
			}
		}
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		err := conn.Invoke(ctx, service+name, req, res)
		cancel()
		if err != nil {
			out = append(out, result{Method: c.Method, Error: err.Error()})
			continue
		}
		js, _ := (&jsonpb.Marshaler{}).MarshalToString(res)
		out = append(out, result{Method: c.Method, Response: json.RawMessage(js)})
	}
	client.Kill()
	b, _ := json.Marshal(map[string]interface{}{"results": out, "exited": client.Exited()})
	fmt.Println(string(b))
}

// methods maps each unary PluginService RPC to fresh request/response messages (golang/protobuf 1.3 has no dynamic
// messages, so the table is explicit).
var methods = map[string]func() (proto.Message, proto.Message){
	"Initialize":           func() (proto.Message, proto.Message) { return &pb.InitRequest{}, &pb.InitResponse{} },
	"Ping":                 func() (proto.Message, proto.Message) { return &pb.PingRequest{}, &pb.PingResponse{} },
	"ProcessPreAuth":       func() (proto.Message, proto.Message) { return &pb.PluginRequest{}, &pb.PluginResponse{} },
	"Authenticate":         func() (proto.Message, proto.Message) { return &pb.AuthRequest{}, &pb.AuthResponse{} },
	"ProcessPostAuth":      func() (proto.Message, proto.Message) { return &pb.EnrichedRequest{}, &pb.PluginResponse{} },
	"OnBeforeWriteHeaders": func() (proto.Message, proto.Message) { return &pb.HeadersRequest{}, &pb.HeadersResponse{} },
	"OnBeforeWrite":        func() (proto.Message, proto.Message) { return &pb.ResponseWriteRequest{}, &pb.ResponseWriteResponse{} },
	"HandleProxyLog":       func() (proto.Message, proto.Message) { return &pb.ProxyLogRequest{}, &pb.DataCollectionResponse{} },
	"HandleAnalytics":      func() (proto.Message, proto.Message) { return &pb.AnalyticsRequest{}, &pb.DataCollectionResponse{} },
	"GetConfigSchema": func() (proto.Message, proto.Message) {
		return &pb.GetConfigSchemaRequest{}, &pb.GetConfigSchemaResponse{}
	},
	"GetManifest": func() (proto.Message, proto.Message) { return &pb.GetManifestRequest{}, &pb.GetManifestResponse{} },
	"OnStreamComplete": func() (proto.Message, proto.Message) {
		return &pb.StreamCompleteRequest{}, &pb.StreamCompleteResponse{}
	},
	"HandleBudgetUsage": func() (proto.Message, proto.Message) {
		return &pb.BudgetUsageRequest{}, &pb.DataCollectionResponse{}
	},
	"GetAsset": func() (proto.Message, proto.Message) { return &pb.GetAssetRequest{}, &pb.GetAssetResponse{} },
}

// configMethods are the config_provider.ConfigProviderService RPCs ("config" plugin, config-only loading).
var configMethods = map[string]func() (proto.Message, proto.Message){
	"GetConfigSchema": func() (proto.Message, proto.Message) { return &cpb.ConfigSchemaRequest{}, &cpb.ConfigSchemaResponse{} },
	"GetManifest":     func() (proto.Message, proto.Message) { return &cpb.GetManifestRequest{}, &cpb.GetManifestResponse{} },
	"Ping":            func() (proto.Message, proto.Message) { return &cpb.ConfigPingRequest{}, &cpb.ConfigPingResponse{} },
}

// upperFirst accepts "processPreAuth" as well as "ProcessPreAuth".
func upperFirst(m string) string {
	if m != "" && m[0] >= 'a' && m[0] <= 'z' {
		return string(m[0]-'a'+'A') + m[1:]
	}
	return m
}
