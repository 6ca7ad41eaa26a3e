package main

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"

	"chibo/locales"
	"chibo/storage"
)

// serveConsole runs the console demo on db in-process until the returned
// stop is called, and waits until it answers on its admin socket.
func serveConsole(t *testing.T, env map[string]string) (stop func() int) {
	t.Helper()
	in, feed := io.Pipe()
	ctx, cancel := context.WithCancel(context.Background())
	var out syncBuffer
	done := make(chan int, 1)
	go func() { done <- Main(ctx, nil, in, &out, &out, func(k string) string { return env[k] }) }()
	sock := socketPath(env["CHIBO_DB"])
	deadline := time.Now().Add(10 * time.Second)
	for !serverAnswers(sock) {
		select {
		case code := <-done:
			t.Fatalf("chibo exited %d before serving:\n%s", code, out.String())
		default:
		}
		if time.Now().After(deadline) {
			t.Fatalf("no admin socket after 10 s:\n%s", out.String())
		}
		time.Sleep(10 * time.Millisecond)
	}
	return func() int {
		cancel()
		feed.Close()
		select {
		case code := <-done:
			return code
		case <-time.After(20 * time.Second):
			t.Fatal("chibo did not stop")
			return -1
		}
	}
}

func TestAdmin_whileServing(t *testing.T) {
	dir := t.TempDir()
	t.Chdir(dir) // relative paths are the caller's, not the server's
	db := filepath.Join(dir, "chibo.db")
	// The server speaks Vietnamese; the operator asks in English.
	env := map[string]string{"CHIBO_DB": db, "CHIBO_BOT_USERNAME": "chibo_demo_bot", "CHIBO_LANG": "en"}
	serverEnv := map[string]string{"CHIBO_DB": db, "CHIBO_BOT_USERNAME": "chibo_demo_bot"}

	// A socket left by a chibo that was killed does not stop the next one.
	stale, err := net.ListenUnix("unix", &net.UnixAddr{Name: socketPath(db), Net: "unix"})
	if err != nil {
		t.Fatal(err)
	}
	stale.SetUnlinkOnClose(false)
	stale.Close()

	stop := serveConsole(t, serverEnv)
	st, err := os.Stat(socketPath(db))
	if err != nil || st.Mode().Perm() != 0o600 {
		t.Fatalf("socket mode: %v %v", st, err)
	}
	// A second listener on the same database is refused.
	if _, err := listenAdmin(Config{DB: db}, nil, nil, nil); !errors.Is(err, errServing) {
		t.Fatalf("second listener: %v", err)
	}

	code, out, errs := chibo(t, env, "", "admin", "create-org", "Đảng bộ xã Bình An")
	if code != 0 || !strings.Contains(out, "Created organization 2: Đảng bộ xã Bình An") {
		t.Fatalf("create-org while serving: %d %q %q", code, out, errs)
	}
	// The demo seeds three cells (a commune): the new one is the fourth.
	code, out, errs = chibo(t, env, "", "admin", "create-cell", "--org", "2", "Chi bộ ấp 5")
	if code != 0 || !strings.Contains(out, "Created cell 4: Chi bộ ấp 5") {
		t.Fatalf("create-cell while serving: %d %q %q", code, out, errs)
	}
	code, out, errs = chibo(t, env, "", "admin", "invite", "--cell", "4")
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if code != 0 || !linkRE.MatchString(lines[len(lines)-1]) {
		t.Fatalf("invite while serving: %d %q %q", code, out, errs)
	}
	if code, _, errs := chibo(t, env, "", "admin", "invite", "--cell", "4", "--role", "king"); code != 2 || !strings.Contains(errs, "Usage") {
		t.Fatalf("usage error through the socket: %d %q", code, errs)
	}
	if code, _, errs := chibo(t, env, "", "admin", "create-cell", "--org", "9", "X"); code != 1 || !strings.Contains(errs, "Error") {
		t.Fatalf("error through the socket: %d %q", code, errs)
	}
	_, listServing, _ := chibo(t, env, "", "admin", "list")
	if !strings.Contains(listServing, "Cell 4: Chi bộ ấp 5 (0 members)") {
		t.Fatalf("list while serving: %q", listServing)
	}
	code, out, errs = chibo(t, env, "", "backup", "copy.db")
	if code != 0 || !strings.Contains(out, "Backed up to copy.db") {
		t.Fatalf("backup while serving: %d %q %q", code, out, errs)
	}
	if _, err := storage.Check(filepath.Join(dir, "copy.db")); err != nil {
		t.Fatalf("backup taken while serving: %v", err)
	}
	code, _, errs = chibo(t, env, "", "restore", "copy.db")
	if code != 1 || !strings.Contains(errs, "chibo is running") {
		t.Fatalf("restore while serving: %d %q", code, errs)
	}

	if code := stop(); code != 0 {
		t.Fatalf("exit %d", code)
	}
	if _, err := os.Stat(socketPath(db)); !os.IsNotExist(err) {
		t.Fatalf("socket left behind: %v", err)
	}
	// With chibo stopped the same command opens the file: same output.
	if _, listStopped, errs := chibo(t, env, "", "admin", "list"); listStopped != listServing {
		t.Fatalf("list differs:\nserving %q\nstopped %q %q", listServing, listStopped, errs)
	}
}

func TestAdmin_refusesOtherUsers(t *testing.T) {
	dir := t.TempDir()
	cfg := Config{DB: filepath.Join(dir, "chibo.db"), Lang: "en"}
	db, err := storage.Open(cfg.DB, storage.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	cat, err := locales.Load()
	if err != nil {
		t.Fatal(err)
	}
	a, err := listenAdmin(cfg, db, cat, newLogger("text", io.Discard, false))
	if err != nil {
		t.Fatal(err)
	}
	a.uid = os.Getuid() + 1 // as if the caller were another user
	go a.Serve()
	defer a.Close()
	resp, err := callAdmin(context.Background(), socketPath(cfg.DB), adminRequest{Args: []string{"admin", "create-org", "X"}, Lang: "en"})
	if err != nil || resp.Code != 1 || !strings.Contains(resp.Stderr, "Refused") {
		t.Fatalf("another user's request: %+v %v", resp, err)
	}
	var orgs []storage.Organization
	db.View(func(tx *storage.Tx) error { orgs, err = tx.Orgs(); return err })
	if len(orgs) != 0 {
		t.Fatalf("a refused request changed the database: %v", orgs)
	}
}

// TestRestore_backupUnderLoad takes a backup while writers commit, restores
// it with chibo restore and finds every change committed before the backup.
func TestRestore_backupUnderLoad(t *testing.T) {
	dir := t.TempDir()
	live := filepath.Join(dir, "chibo.db")
	db, err := storage.Open(live, storage.Options{})
	if err != nil {
		t.Fatal(err)
	}
	const writers = 4
	var committed [writers]atomic.Int64
	stopWriters := make(chan struct{})
	var wg sync.WaitGroup
	for w := range writers {
		wg.Go(func() {
			for i := int64(1); ; i++ {
				select {
				case <-stopWriters:
					return
				default:
				}
				err := db.Update(func(tx *storage.Tx) error {
					return tx.PutMetaInt(fmt.Sprintf("w%d/%d", w, i), i)
				})
				if err != nil {
					t.Error(err)
					return
				}
				committed[w].Store(i)
			}
		})
	}
	// Every writer has committed a few changes before the backup, however
	// busy the machine (a fixed sleep proved nothing on a loaded one).
	deadline := time.Now().Add(30 * time.Second)
	for w := 0; w < writers; {
		if committed[w].Load() >= 3 {
			w++
			continue
		}
		if time.Now().After(deadline) {
			t.Fatalf("writer %d committed %d changes in 30 s", w, committed[w].Load())
		}
		time.Sleep(time.Millisecond)
	}
	var before [writers]int64
	for w := range writers {
		before[w] = committed[w].Load()
	}
	backup := filepath.Join(dir, "backup.db")
	if err := db.BackupFile(backup); err != nil {
		t.Fatal(err)
	}
	time.Sleep(20 * time.Millisecond)
	close(stopWriters)
	wg.Wait()

	env := map[string]string{"CHIBO_DB": live, "CHIBO_LANG": "en"}
	// The live file is held: restore refuses and changes nothing.
	if code, _, errs := chibo(t, env, "", "restore", backup); code != 1 || !strings.Contains(errs, "in use by another chibo process") {
		t.Fatalf("restore over a held file: %d %q", code, errs)
	}
	db.Close()
	liveBytes, _ := os.ReadFile(live)
	code, out, errs := chibo(t, env, "", "restore", backup)
	if code != 0 || !strings.Contains(out, "Restored "+live+" from "+backup) {
		t.Fatalf("restore: %d %q %q", code, out, errs)
	}
	var kept string
	for l := range strings.SplitSeq(out, "\n") {
		if p, ok := strings.CutPrefix(l, "The replaced file is kept as "); ok {
			kept = strings.TrimSuffix(p, ".")
		}
	}
	if !strings.HasPrefix(kept, live+".before-restore-") {
		t.Fatalf("replaced file not named: %q", out)
	}
	if keptBytes, err := os.ReadFile(kept); err != nil || !bytes.Equal(keptBytes, liveBytes) {
		t.Fatalf("the replaced file was not kept as it was: %v", err)
	}
	restored, err := storage.Open(live, storage.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer restored.Close()
	total := int64(0)
	restored.View(func(tx *storage.Tx) error {
		for w := range writers {
			total += before[w]
			for i := int64(1); i <= before[w]; i++ {
				if tx.MetaInt(fmt.Sprintf("w%d/%d", w, i)) != i {
					t.Errorf("writer %d: change %d committed before the backup is missing", w, i)
					return nil
				}
			}
		}
		return nil
	})
	if total == 0 {
		t.Fatal("no writes before the backup: the test proves nothing")
	}
}

// TestRestore_refuses checks that restore refuses damaged, foreign and newer
// files without touching the database, and accepts an older schema.
func TestRestore_refuses(t *testing.T) {
	dir := t.TempDir()
	live := filepath.Join(dir, "chibo.db")
	env := map[string]string{"CHIBO_DB": live, "CHIBO_LANG": "en"}
	if code, _, errs := chibo(t, env, "", "admin", "create-org", "Đảng bộ xã Tân Phú"); code != 0 {
		t.Fatal(errs)
	}
	good := filepath.Join(dir, "good.db")
	if code, _, errs := chibo(t, env, "", "backup", good); code != 0 {
		t.Fatal(errs)
	}
	goodBytes, err := os.ReadFile(good)
	if err != nil {
		t.Fatal(err)
	}
	variant := func(name string, change func(path string)) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, goodBytes, 0o600); err != nil {
			t.Fatal(err)
		}
		change(p)
		return p
	}
	setVersion := func(v uint64) func(string) {
		return func(p string) {
			b, err := bolt.Open(p, 0o600, nil)
			if err != nil {
				t.Fatal(err)
			}
			defer b.Close()
			b.Update(func(tx *bolt.Tx) error {
				return tx.Bucket([]byte("meta")).Put([]byte("schema_version"), binary.BigEndian.AppendUint64(nil, v))
			})
		}
	}
	scribble := func(off int64, n int) func(string) {
		return func(p string) {
			f, err := os.OpenFile(p, os.O_WRONLY, 0)
			if err != nil {
				t.Fatal(err)
			}
			defer f.Close()
			f.WriteAt(bytes.Repeat([]byte{0xA5}, n), off)
		}
	}
	pageSize := int64(os.Getpagesize())
	foreign := filepath.Join(dir, "foreign.db")
	if b, err := bolt.Open(foreign, 0o600, nil); err != nil {
		t.Fatal(err)
	} else {
		b.Update(func(tx *bolt.Tx) error { _, err := tx.CreateBucket([]byte("photos")); return err })
		b.Close()
	}
	for _, c := range []struct {
		name, file, want string
	}{
		{"both meta pages overwritten", variant("meta.db", scribble(0, int(2*pageSize))), "is damaged"},
		{"data pages overwritten", variant("pages.db", scribble(2*pageSize, int(4*pageSize))), "is damaged"},
		{"truncated", variant("short.db", func(p string) { os.Truncate(p, 100) }), "is damaged"},
		{"newer schema", variant("newer.db", setVersion(storage.SchemaVersion+1)), "comes from a newer chibo"},
		{"not chibo's", foreign, "is not a chibo database"},
		{"missing", filepath.Join(dir, "nope.db"), "Error"},
	} {
		t.Run(c.name, func(t *testing.T) {
			before, _ := os.ReadFile(live)
			code, out, errs := chibo(t, env, "", "restore", c.file)
			if code != 1 || !strings.Contains(errs, c.want) {
				t.Fatalf("exit %d, stdout %q, stderr %q", code, out, errs)
			}
			after, _ := os.ReadFile(live)
			if !bytes.Equal(before, after) {
				t.Fatal("a refused restore changed the database")
			}
			if m, _ := filepath.Glob(live + ".before-restore-*"); len(m) != 0 {
				t.Fatalf("a refused restore renamed the database: %v", m)
			}
		})
	}

	// An older schema is restored and migrated when chibo next opens it.
	old := variant("old.db", setVersion(1))
	code, out, errs := chibo(t, env, "", "restore", old)
	if code != 0 || !strings.Contains(out, fmt.Sprintf("upgraded from schema 1 to %d", storage.SchemaVersion)) {
		t.Fatalf("older schema: %d %q %q", code, out, errs)
	}
	if code, out, _ := chibo(t, env, "", "admin", "list"); code != 0 || !strings.Contains(out, "Đảng bộ xã Tân Phú") {
		t.Fatalf("restored data: %q", out)
	}
	db, err := storage.Open(live, storage.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	db.View(func(tx *storage.Tx) error {
		if tx.Version() != storage.SchemaVersion {
			t.Errorf("schema %d after open", tx.Version())
		}
		return nil
	})
}
