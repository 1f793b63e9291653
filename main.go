// Command goredis is a Redis 7.0-compatible server.
//
//	goredis [config-file] [--name value ...]
package main

import (
	"fmt"
	"os"
	"os/signal"
	"runtime"
	"runtime/pprof"
	"syscall"
	"time"

	"goredis/cluster"
	"goredis/config"
	"goredis/database"
	idb "goredis/interface/database"
	"goredis/lib/logger"
	"goredis/resp/handler"
	"goredis/tcp"
)

func main() {
	os.Exit(run(os.Args[1:]))
}

func run(args []string) int {
	if len(args) == 1 {
		switch args[0] {
		case "-v", "--version":
			fmt.Printf("Redis server v=%s sha=00000000:0 malloc=libc bits=64 build=goredis\n", database.Version)
			return 0
		case "-h", "--help":
			fmt.Fprintf(os.Stderr, "Usage: %s [/path/to/redis.conf] [options] [-]\n"+
				"       %s - (read config from stdin)\n"+
				"       %s -v or --version\n"+
				"       %s -h or --help\n\n"+
				"Examples:\n"+
				"       %s (run the server with default conf)\n"+
				"       %s /etc/redis/6379.conf\n"+
				"       %s --port 7777\n", os.Args[0], os.Args[0], os.Args[0], os.Args[0], os.Args[0], os.Args[0], os.Args[0])
			return 1
		}
	}
	// Load also sets up the logger from logfile and loglevel.
	cfg, err := config.Load(args)
	if err != nil {
		fmt.Fprint(os.Stderr, err.Error())
		return 1
	}
	logger.Warningf("oO0OoO0OoO0Oo Redis is starting oO0OoO0OoO0Oo")
	logger.Warningf("Redis version=%s, bits=64, commit=00000000, modified=0, pid=%d, just started", database.Version, os.Getpid())
	if cfg.ConfigFile == "" {
		logger.Warningf("Warning: no config file specified, using the default config. In order to specify a config file use %s /path/to/redis.conf", os.Args[0])
	} else {
		logger.Warningf("Configuration loaded")
	}

	if path := os.Getenv("GOREDIS_CPUPROFILE"); path != "" {
		// For profiling the hot path under redis-benchmark; written at
		// shutdown.
		if f, err := os.Create(path); err == nil {
			if pprof.StartCPUProfile(f) == nil {
				defer pprof.StopCPUProfile()
			}
		}
	}
	if path := os.Getenv("GOREDIS_ALLOCPROFILE"); path != "" {
		// Where the allocations come from, written at shutdown.
		defer func() {
			if f, err := os.Create(path); err == nil {
				pprof.Lookup("allocs").WriteTo(f, 0)
				f.Close()
			}
		}()
	}
	if os.Getenv("GOMAXPROCS") == "" {
		runtime.GOMAXPROCS(procs())
	}
	srv := database.NewServer()
	var db idb.DB = srv
	var node *cluster.Cluster
	if cfg.Self != "" {
		node = cluster.New(srv, cfg.Self, cfg.Peers, time.Duration(cfg.PeerTimeout)*time.Millisecond)
		db = node
	}
	h := handler.New(db, srv)
	addrs, optional := tcp.ListenAddrs(cfg.Bind, cfg.Port)
	ts, err := tcp.Listen(addrs, optional, h)
	if err != nil {
		logger.Warningf("Failed listening on port %d (tcp), aborting: %v", cfg.Port, err)
		return 1
	}
	mode := "standalone"
	if cfg.Self != "" {
		mode = "cluster"
	}
	logger.Noticef("Running mode=%s, port=%d.", mode, cfg.Port)
	logger.Noticef("GOMAXPROCS=%d", runtime.GOMAXPROCS(0))
	logger.Warningf("Server initialized")
	logger.Noticef("Ready to accept connections")

	stop := make(chan string, 1)
	srv.SetShutdown(func() {
		select {
		case stop <- "":
		default:
		}
	})
	sigs := make(chan os.Signal, 1)
	signal.Notify(sigs, syscall.SIGINT, syscall.SIGTERM)
	go func() {
		sig := <-sigs
		name := "SIGTERM"
		if sig == syscall.SIGINT {
			name = "SIGINT"
		}
		select {
		case stop <- name:
		default:
		}
	}()
	if cfg.AppendOnly {
		srv.MarkLoading()
	}
	go ts.Serve()
	if err := srv.LoadAppendOnly(); err != nil {
		logger.Warningf("%v", err)
		ts.Close()
		db.Close()
		return 1
	}

	why := <-stop
	if why != "" {
		logger.Warningf("Received %s scheduling shutdown...", why)
	}
	logger.Warningf("User requested shutdown...")
	ts.Close()
	db.Close() // a cluster node closes its database too
	logger.Warningf("Redis is now ready to exit, bye bye...")
	return 0
}

// procs is the GOMAXPROCS the server runs with unless the environment
// sets it: half the cores, since Redis itself runs commands on one thread
// and on small machines the clients (redis-benchmark, the application)
// need the rest (scheduling over every core measured slower on 2). Under
// appendfsync always too: the group commit's fsync keeps its P (see aof's
// commitSync), and one P more measured slower (SET -P 1 on 2 cores: 19-23k
// requests a second against 25-27k).
func procs() int {
	return max(1, runtime.NumCPU()/2)
}
