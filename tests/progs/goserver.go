// goserver: a Go net/http server for the seccomp supervisor tests. Go's net
// package makes the bind system call itself, so no LD_PRELOAD library ever
// sees it.
//
//	goserver serve ADDR CODE   serve "hello from go" on ADDR (e.g. ":80",
//	                           dual stack) until SIGTERM or SIGINT, then shut
//	                           down gracefully and exit with status CODE;
//	                           exit 3 (error on stderr) if listening fails
//	goserver listen ADDR       listen on ADDR once: print "ok" and exit 0,
//	                           or print the error and exit 3
package main

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/signal"
	"strconv"
	"syscall"
	"time"
)

func main() {
	if len(os.Args) == 3 && os.Args[1] == "listen" {
		l, err := net.Listen("tcp", os.Args[2])
		if err != nil {
			fmt.Println(err)
			os.Exit(3)
		}
		l.Close()
		fmt.Println("ok")
		return
	}
	if len(os.Args) != 4 || os.Args[1] != "serve" {
		fmt.Fprintln(os.Stderr, "usage: goserver serve ADDR CODE | goserver listen ADDR")
		os.Exit(2)
	}
	code, err := strconv.Atoi(os.Args[3])
	if err != nil {
		fmt.Fprintln(os.Stderr, "goserver: bad exit code:", os.Args[3])
		os.Exit(2)
	}
	stop := make(chan os.Signal, 1)
	signal.Notify(stop, syscall.SIGTERM, syscall.SIGINT)
	l, err := net.Listen("tcp", os.Args[2])
	if err != nil {
		fmt.Fprintln(os.Stderr, "goserver:", err)
		os.Exit(3)
	}
	srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintln(w, "hello from go")
	})}
	go srv.Serve(l)
	fmt.Println("listening on", l.Addr())
	sig := <-stop
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := srv.Shutdown(ctx); err != nil {
		fmt.Fprintln(os.Stderr, "goserver: shutdown:", err)
		os.Exit(4)
	}
	fmt.Println("stopped by", sig)
	os.Exit(code)
}
