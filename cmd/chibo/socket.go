package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"net"
	"os"
	"sync"
	"syscall"
	"time"

	"chibo/locales"
	"chibo/storage"
)

// The admin channel. bbolt lets one process hold the database file, so while
// chibo serves, "chibo admin …" and "chibo backup FILE" cannot open it. The
// serving process listens on a unix socket next to the database (mode 0600,
// and it answers only its own uid) and runs the same commands in-process on
// its open database; the command line tries the socket first and opens the
// file itself when no process answers.
//
// The protocol is one JSON request and one JSON response per connection.

// adminRequest asks the serving process to run a subcommand.
type adminRequest struct {
	// Args are the subcommand and its arguments, as typed.
	Args []string `json:"args"`
	// Lang is the language of the answer.
	Lang string `json:"lang"`
	// Dir is the caller's working directory: relative paths in Args are
	// relative to it, not to the server's.
	Dir string `json:"dir"`
}

// adminResponse is what the command printed and its exit code.
type adminResponse struct {
	Code   int    `json:"code"`
	Stdout string `json:"stdout"`
	Stderr string `json:"stderr"`
}

// maxAdminRequest bounds a request (arguments only; a few hundred bytes).
const maxAdminRequest = 64 << 10

// socketPath is where the process serving db listens for admin commands.
func socketPath(db string) string { return db + ".sock" }

// errServing means another process already answers on the admin socket.
var errServing = errors.New("another chibo process serves this database")

// errRefused means the admin socket is not for this user.
var errRefused = errors.New("the admin socket answers only the user chibo runs as")

// errNoServer means no process answers on the admin socket.
var errNoServer = errors.New("no chibo process answers")

// adminServer runs admin commands for the command line while chibo serves.
type adminServer struct {
	ln   *net.UnixListener
	path string
	cfg  Config
	db   *storage.DB
	cat  *locales.Catalog
	log  *slog.Logger
	// uid is the only user whose requests are run: the one running chibo.
	uid int

	mu     sync.Mutex // orders wg.Add in Serve before wg.Wait in Close
	closed bool
	wg     sync.WaitGroup
	once   sync.Once
	ctx    context.Context
	stop   context.CancelFunc
}

// listenAdmin listens on the admin socket of cfg.DB. A socket file left by a
// process that died is removed; a live one means another process serves
// the database, and errServing is returned.
func listenAdmin(cfg Config, db *storage.DB, cat *locales.Catalog, log *slog.Logger) (*adminServer, error) {
	path := socketPath(cfg.DB)
	if st, err := os.Lstat(path); err == nil {
		if st.Mode()&fs.ModeSocket == 0 {
			return nil, fmt.Errorf("admin socket %s: the name is taken by a file that is not a socket", path)
		}
		if c, err := net.DialTimeout("unix", path, time.Second); err == nil {
			c.Close()
			return nil, errServing
		}
		if err := os.Remove(path); err != nil {
			return nil, fmt.Errorf("admin socket: remove stale %s: %w", path, err)
		}
	}
	ln, err := net.ListenUnix("unix", &net.UnixAddr{Name: path, Net: "unix"})
	if err != nil {
		return nil, fmt.Errorf("admin socket: %w", err)
	}
	// The file mode is the first gate (and the peer's uid the second): only
	// the service user may connect.
	if err := os.Chmod(path, 0o600); err != nil {
		ln.Close()
		return nil, fmt.Errorf("admin socket: %w", err)
	}
	ctx, stop := context.WithCancel(context.Background())
	return &adminServer{ln: ln, path: path, cfg: cfg, db: db, cat: cat, log: log, uid: os.Getuid(), ctx: ctx, stop: stop}, nil
}

// Serve accepts connections until Close.
func (a *adminServer) Serve() {
	for {
		conn, err := a.ln.AcceptUnix()
		if err != nil {
			if !errors.Is(err, net.ErrClosed) {
				a.log.Error("admin socket stopped", "err", err)
			}
			return
		}
		// A connection accepted just as Close runs is dropped: adding to wg
		// once Wait has begun is a race.
		a.mu.Lock()
		if a.closed {
			a.mu.Unlock()
			conn.Close()
			return
		}
		a.wg.Add(1)
		a.mu.Unlock()
		go func() {
			defer a.wg.Done()
			a.serveConn(conn)
		}()
	}
}

// Close stops taking connections, waits for the commands in flight and
// removes the socket file.
func (a *adminServer) Close() {
	a.once.Do(func() {
		a.mu.Lock()
		a.closed = true
		a.mu.Unlock()
		a.ln.Close() // unlinks the socket file
		a.wg.Wait()
		a.stop()
	})
}

func (a *adminServer) serveConn(conn *net.UnixConn) {
	defer conn.Close()
	conn.SetReadDeadline(time.Now().Add(10 * time.Second))
	var req adminRequest
	if err := json.NewDecoder(io.LimitReader(conn, maxAdminRequest)).Decode(&req); err != nil {
		a.log.Warn("admin socket: bad request", "err", err)
		return
	}
	conn.SetReadDeadline(time.Time{})
	var resp adminResponse
	if uid, err := peerUID(conn); err != nil || uid != a.uid {
		a.log.Warn("admin socket: refused a request from another user", "uid", uid, "err", err)
		lang := req.Lang
		if !locales.Supported(lang) {
			lang = a.cfg.Lang
		}
		resp = adminResponse{Code: 1, Stderr: a.cat.T(lang, "cli.err_peer") + "\n"}
	} else {
		resp = a.run(req)
	}
	if err := json.NewEncoder(conn).Encode(resp); err != nil {
		a.log.Warn("admin socket: answer not delivered", "err", err)
	}
}

// run runs one request against the open database, as the command line would
// against the file.
func (a *adminServer) run(req adminRequest) (resp adminResponse) {
	lang := req.Lang
	if !locales.Supported(lang) {
		lang = a.cfg.Lang
	}
	t := func(id string, kv ...any) string { return a.cat.T(lang, id, kv...) }
	cfg := a.cfg
	cfg.workDir = req.Dir
	cfg.Lang = lang // files and text in the caller's language
	var out, errb bytes.Buffer
	defer func() {
		if r := recover(); r != nil {
			a.log.Error("admin command panicked", "command", command(req.Args), "panic", r)
			resp = adminResponse{Code: 1, Stdout: out.String(), Stderr: t("cli.error", "Err", t("cli.internal")) + "\n"}
		}
	}()
	var err error
	if len(req.Args) == 0 || localCommands[req.Args[0]] {
		err = errUsage
	} else {
		err = runCommand(a.ctx, cfg, a.db, req.Args, &out, t)
	}
	code := exitCode(err, cfg, &errb, t)
	a.log.Info("admin command", "command", command(req.Args), "code", code)
	return adminResponse{Code: code, Stdout: out.String(), Stderr: errb.String()}
}

// localCommands never go through the socket: version needs no database, and
// restore needs chibo stopped. Every other subcommand does.
var localCommands = map[string]bool{"restore": true, "version": true}

// command names a request in logs: the subcommand, never its arguments
// (they hold names).
func command(args []string) string {
	switch {
	case len(args) == 0:
		return ""
	case len(args) >= 2 && args[0] == "admin":
		return "admin " + args[1]
	}
	return args[0]
}

// callAdmin sends a request to the process serving on path. It returns
// errNoServer when no process answers there, so the caller opens the file.
func callAdmin(ctx context.Context, path string, req adminRequest) (adminResponse, error) {
	var resp adminResponse
	d := net.Dialer{Timeout: 2 * time.Second}
	conn, err := d.DialContext(ctx, "unix", path)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) || errors.Is(err, syscall.ECONNREFUSED) {
			return resp, errNoServer
		}
		if errors.Is(err, fs.ErrPermission) { // the socket's mode keeps other users out
			return resp, errRefused
		}
		return resp, fmt.Errorf("admin socket %s: %w", path, err)
	}
	defer conn.Close()
	// A backup of a large file takes a while; a hung server must not hang
	// the operator forever.
	conn.SetDeadline(time.Now().Add(30 * time.Minute))
	werr := json.NewEncoder(conn).Encode(req)
	if err := json.NewDecoder(conn).Decode(&resp); err != nil {
		return resp, fmt.Errorf("admin socket %s: no answer: %w", path, errors.Join(werr, err))
	}
	return resp, nil
}

// serverAnswers reports whether a chibo process answers on path.
func serverAnswers(path string) bool {
	c, err := net.DialTimeout("unix", path, time.Second)
	if err != nil {
		return false
	}
	c.Close()
	return true
}
