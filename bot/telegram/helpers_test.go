package telegram_test

import (
	"bytes"
	"chibo/flows/core"
	"context"
	"log/slog"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"chibo/bot"
	"chibo/bot/telegram"
	"chibo/bot/telegram/telegramtest"
	"chibo/flows"
	"chibo/locales"
	"chibo/storage"
)

func mustOpenDB(tb testing.TB) *storage.DB {
	tb.Helper()
	return mustOpenPath(tb, filepath.Join(tb.TempDir(), "chibo.db"))
}

func mustOpenPath(tb testing.TB, path string) *storage.DB {
	tb.Helper()
	db, err := storage.Open(path, storage.Options{NoSync: true})
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { db.Close() })
	return db
}

func mustEngine(tb testing.TB) *core.Engine {
	tb.Helper()
	cat, err := locales.Load()
	if err != nil {
		tb.Fatal(err)
	}
	e, err := core.NewEngine(cat, core.Config{}, flows.Journeys()...)
	if err != nil {
		tb.Fatal(err)
	}
	return e
}

func mustTelegram(tb testing.TB, fake *telegramtest.Server, cfg telegram.Config) *telegram.Telegram {
	tb.Helper()
	cfg.Token = fake.Token()
	cfg.APIBase = fake.URL()
	if cfg.PollTimeout == 0 {
		cfg.PollTimeout = time.Second
	}
	tg, err := telegram.New(context.Background(), cfg)
	if err != nil {
		tb.Fatal(err)
	}
	return tg
}

// logBuffer collects log output from several goroutines.
type logBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *logBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *logBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

func (b *logBuffer) logger() *slog.Logger {
	return slog.New(slog.NewTextHandler(b, &slog.HandlerOptions{Level: slog.LevelDebug}))
}

// waitFor polls cond until it holds or the timeout passes.
func waitFor(tb testing.TB, timeout time.Duration, what string, cond func() bool) {
	tb.Helper()
	deadline := time.Now().Add(timeout)
	for !cond() {
		if time.Now().After(deadline) {
			tb.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func outboxRows(tb testing.TB, db *storage.DB) []storage.OutboxItem {
	tb.Helper()
	var rows []storage.OutboxItem
	if err := db.View(func(tx *storage.Tx) error {
		var err error
		rows, err = tx.OutboxRows()
		return err
	}); err != nil {
		tb.Fatal(err)
	}
	return rows
}

func pending(tb testing.TB, db *storage.DB) int {
	tb.Helper()
	n := 0
	db.View(func(tx *storage.Tx) error {
		n = tx.PendingCount()
		return nil
	})
	return n
}

// runSender runs a sender in the background until the test ends.
func runSender(tb testing.TB, db *storage.DB, tg bot.Transport, opt bot.SenderOptions) *bot.Sender {
	tb.Helper()
	s := bot.NewSender(db, map[string]bot.Transport{telegram.Name: tg}, opt)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		s.Run(ctx)
	}()
	tb.Cleanup(func() {
		cancel()
		<-done
	})
	return s
}
