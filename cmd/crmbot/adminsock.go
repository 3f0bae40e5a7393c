package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"syscall"
	"time"

	"crmbot/storage"
)

// The admin endpoint lets local commands ask a running server for what only the
// process holding the database can give: a consistent backup. It is a unix socket
// next to the database file (FILE.admin.sock), mode 0600, so only the user crmbot
// runs as can reach it, with no token to configure or leak and nothing on the
// network. crmbot backup tries it first; when nothing listens there, crmbot is
// stopped and the backup copies the file directly.

// adminSocket is the admin endpoint's path for the database at db.
func adminSocket(db string) string { return db + ".admin.sock" }

// headerStats carries the snapshot's record counts, as a trailer (they are known
// only once the copy is streamed), for the client to verify its copy.
const headerStats = "Crmbot-Stats"

// listenAdmin opens the admin socket. serve holds the database's lock, so a
// socket file left at the path is stale and is replaced.
func listenAdmin(db *storage.DB) (net.Listener, error) {
	path := adminSocket(db.Path())
	os.Remove(path)
	// Listen creates the socket with the umask's mode, and anyone who may write
	// to it may connect: create it under umask 0177 so it is 0600 from its first
	// moment, not only after a chmod.
	var ln net.Listener
	err := withUmask(0o177, func() (err error) {
		ln, err = net.Listen("unix", path)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("admin socket %s: %w", path, err)
	}
	adminListened(path)
	// Where there is no umask, the chmod is the only guard.
	if err := os.Chmod(path, 0o600); err != nil {
		ln.Close()
		return nil, fmt.Errorf("admin socket %s: %w", path, err)
	}
	return ln, nil
}

// adminListened is called right after the admin socket is created, before any
// chmod: tests check its mode there.
var adminListened = func(path string) {}

// serveAdmin answers on the admin socket until ctx ends.
func serveAdmin(ctx context.Context, ln net.Listener, db *storage.DB, log *slog.Logger) error {
	path := adminSocket(db.Path())
	mux := http.NewServeMux()
	mux.HandleFunc("GET /backup", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Trailer", headerStats)
		w.Header().Set("Content-Type", "application/octet-stream")
		_, st, err := db.Backup(w)
		if err != nil {
			log.Error("admin backup", "err", err)
			return // no trailer: the client refuses the copy
		}
		b, _ := json.Marshal(st)
		w.Header().Set(headerStats, string(b))
		log.Info("admin backup streamed", "bytes", st.Size)
	})
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	go func() {
		<-ctx.Done()
		srv.Close()
	}()
	err := srv.Serve(ln)
	os.Remove(path)
	if errors.Is(err, http.ErrServerClosed) {
		return nil
	}
	return err
}

// errNoServer says no server listens on the admin socket.
var errNoServer = errors.New("no running crmbot")

// backupFromServer asks the server on the admin socket for a backup, written and
// verified at out. It returns errNoServer when nothing listens there.
func backupFromServer(ctx context.Context, dbPath, out string) (int64, error) {
	sock := adminSocket(dbPath)
	if _, err := os.Stat(sock); err != nil {
		return 0, errNoServer
	}
	client := &http.Client{Transport: &http.Transport{
		DialContext: func(ctx context.Context, _, _ string) (net.Conn, error) {
			var d net.Dialer
			return d.DialContext(ctx, "unix", sock)
		},
	}}
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, "http://crmbot/backup", nil)
	resp, err := client.Do(req)
	if err != nil {
		if errors.Is(err, syscall.ECONNREFUSED) || errors.Is(err, syscall.ENOENT) {
			return 0, errNoServer // a socket left by a crmbot that died
		}
		return 0, fmt.Errorf("admin socket %s: %w", sock, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return 0, fmt.Errorf("admin socket %s: %s", sock, resp.Status)
	}
	return storage.WriteVerified(out, func(w io.Writer) (int64, storage.Stats, error) {
		var st storage.Stats
		n, err := io.Copy(w, resp.Body)
		if err != nil {
			return n, st, err
		}
		raw := resp.Trailer.Get(headerStats)
		if raw == "" {
			return n, st, errors.New("the server did not finish the backup (see its log)")
		}
		return n, st, json.Unmarshal([]byte(raw), &st)
	})
}
