// auth-service: the smallest useful nginx auth_request target for `npm run bench` — 204 when the request carries
// the expected API key (x-api-key), 401 otherwise. Listens on 127.0.0.1:<port> (first argument; 0 picks one) and
// prints the bound address as its first stdout line.
package main

import (
	"fmt"
	"net"
	"net/http"
	"os"
)

func main() {
	port := "0"
	if len(os.Args) > 1 {
		port = os.Args[1]
	}
	key := os.Getenv("AUTH_API_KEY")
	ln, err := net.Listen("tcp", "127.0.0.1:"+port)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	fmt.Println(ln.Addr().String())
	http.Serve(ln, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if key != "" && r.Header.Get("x-api-key") != key {
			w.WriteHeader(http.StatusUnauthorized)
			return
		}
		w.Header().Set("x-user-id", "bench")
		w.WriteHeader(http.StatusNoContent)
	}))
}
