package filelink_test

import (
	"io"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"chibo/bot/filelink"
	"chibo/flows/chat"
	"chibo/storage"
)

func TestStore(t *testing.T) {
	db, err := storage.Open(filepath.Join(t.TempDir(), "chibo.db"), storage.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	now := time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)
	s, err := filelink.Open(db, "https://chibo.example.org/", 0, func() time.Time { return now })
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(s)
	defer srv.Close()
	link, until, err := s.Publish(&chat.Document{Name: "nhan-xet-Nguyen-Van-A.pdf", MIME: "application/pdf", Data: []byte("%PDF-1.4 x")})
	if err != nil {
		t.Fatal(err)
	}
	if !until.Equal(now.Add(24*time.Hour)) || !strings.HasPrefix(link, "https://chibo.example.org/f/") || strings.Contains(link, "Nguyen") || strings.Contains(link, "pdf") {
		t.Fatalf("link %q until %v: want a 24 h link with nothing personal in it", link, until)
	}
	local := srv.URL + strings.TrimPrefix(link, "https://chibo.example.org")
	get := func(u string) (int, string) {
		resp, err := http.Get(u)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	if code, body := get(local); code != 200 || body != "%PDF-1.4 x" {
		t.Errorf("the link: %d %q", code, body)
	}
	parts := strings.Split(local, "/")
	forged := strings.Join(append(parts[:len(parts)-2:len(parts)-2], "9999999999", parts[len(parts)-1]), "/")
	if code, _ := get(forged); code != 404 {
		t.Errorf("a link with a later expiry but the old signature: %d, want 404", code)
	}
	now = now.Add(24 * time.Hour)
	if code, _ := get(local); code != 404 {
		t.Errorf("an expired link: %d, want 404", code)
	}
	if err := s.Sweep(); err != nil {
		t.Fatal(err)
	}
	db.View(func(tx *storage.Tx) error {
		id := parts[len(parts)-3]
		if _, err := tx.FileLink(id); err != storage.ErrNotFound {
			t.Errorf("the expired file is still stored: %v", err)
		}
		return nil
	})
}
