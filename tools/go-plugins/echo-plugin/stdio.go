package main

// go-plugin ≥ 1.2 plugins (AI Studio's SDK uses 1.7) send their stdout/stderr to the host over the
// plugin.GRPCStdio/StreamStdio stream. Debian ships go-plugin 1.0.1, whose plugin.Serve points os.Stdout at a pipe
// that nothing reads (a plugin printing more than a pipe buffer blocks forever). This file gives echo-plugin the
// newer behaviour on 1.0.1: the service is registered on go-plugin's gRPC server and, from the first RPC on, os.Stdout
// is a pipe whose contents stream to the host as StdioData{channel: STDOUT}.

import (
	"os"
	"sync"

	"google.golang.org/grpc"
)

// stdioData and empty are the wire messages of plugin.GRPCStdio (fields as in proto/plugin/goplugin.proto), declared
// by hand: generating goplugin.proto here would register plugin.Empty/ConnInfo a second time beside go-plugin's own.
type stdioData struct {
	Channel int32  `protobuf:"varint,1,opt,name=channel,proto3"`
	Data    []byte `protobuf:"bytes,2,opt,name=data,proto3"`
}

func (m *stdioData) Reset()         { *m = stdioData{} }
func (m *stdioData) String() string { return "StdioData" }
func (*stdioData) ProtoMessage()    {}

type empty struct{}

func (m *empty) Reset()         { *m = empty{} }
func (m *empty) String() string { return "Empty" }
func (*empty) ProtoMessage()    {}

const channelStdout = 1

var (
	stdioServed bool
	chunks      = make(chan []byte, 16)
	captureOnce sync.Once
)

// captureStdout points os.Stdout at the pipe StreamStdio drains. Called from RPC handlers, i.e. after plugin.Serve
// has printed the handshake and replaced os.Stdout itself.
func captureStdout() {
	if !stdioServed {
		return
	}
	captureOnce.Do(func() {
		r, w, err := os.Pipe()
		if err != nil {
			return
		}
		os.Stdout = w
		go func() {
			for {
				buf := make([]byte, 32*1024)
				n, err := r.Read(buf)
				if n > 0 {
					chunks <- buf[:n]
				}
				if err != nil {
					close(chunks)
					return
				}
			}
		}()
	})
}

func streamStdio(_ interface{}, stream grpc.ServerStream) error {
	if err := stream.RecvMsg(new(empty)); err != nil {
		return err
	}
	for {
		select {
		case chunk, ok := <-chunks:
			if !ok {
				return nil
			}
			if err := stream.SendMsg(&stdioData{Channel: channelStdout, Data: chunk}); err != nil {
				return err
			}
		case <-stream.Context().Done():
			return nil
		}
	}
}

func registerStdio(s *grpc.Server) {
	stdioServed = true
	s.RegisterService(&grpc.ServiceDesc{
		ServiceName: "plugin.GRPCStdio",
		HandlerType: (*interface{})(nil),
		Streams:     []grpc.StreamDesc{{StreamName: "StreamStdio", Handler: streamStdio, ServerStreams: true}},
		Metadata:    "plugin/goplugin.proto",
	}, struct{}{})
}
