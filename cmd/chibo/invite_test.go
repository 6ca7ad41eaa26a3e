package main

import (
	"encoding/json"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"chibo/storage"
)

var anyLinkRE = regexp.MustCompile(`https://t\.me/chibo_demo_bot\?start=([A-Za-z0-9_-]{22})`)

// An invite made at the command line and one made in a chat are made the
// same way (members.MakeInvite): the same audit action with the same
// fields, the operator (actor 0) or the secretary as actor, a code for Zalo,
// and both let their holder join.
func TestInvite_commandLineAndChatAreOneWay(t *testing.T) {
	path := filepath.Join(t.TempDir(), "chibo.db")
	env := map[string]string{"CHIBO_DB": path, "CHIBO_BOT_USERNAME": "chibo_demo_bot"}
	for _, args := range [][]string{{"admin", "create-org", "Đảng bộ xã Tân Phú"}, {"admin", "create-cell", "--org", "1", "Chi bộ ấp 3"}} {
		if code, _, errs := chibo(t, env, "", args...); code != 0 {
			t.Fatalf("%v: %d %q", args, code, errs)
		}
	}
	code, out, errs := chibo(t, env, "", "admin", "invite", "--cell", "1")
	if code != 0 {
		t.Fatalf("invite: %d %q", code, errs)
	}
	link := anyLinkRE.FindString(out)
	if link == "" {
		t.Fatalf("no invite link: %q", out)
	}
	// The secretary joins with the operator's invite and makes one in the
	// chat, with which a member joins.
	_, out, _ = chibo(t, env, "/as Trần Văn Sáu\n"+link+"\n1\n1\n1\n/invite\n/as Hoàng Văn Em\n/tap\n1\n1\n1\n/me\n")
	if !strings.Contains(out, "bí thư Chi bộ ấp 3") || !strings.Contains(out, "Thông tin trợ lý chibo lưu về đồng chí Hoàng Văn Em:") {
		t.Fatalf("joining with both invites:\n%s", out)
	}

	db, err := storage.Open(path, storage.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	err = db.View(func(tx *storage.Tx) error {
		log, err := tx.AuditLog(100, func(e *storage.AuditEntry) bool { return e.Action == "invite_create" })
		if err != nil {
			return err
		}
		if len(log) != 2 {
			t.Fatalf("%d invite_create entries, want 2: %+v", len(log), log)
		}
		chat, cli := log[0], log[1] // newest first
		sec, err := tx.Members(1)
		if err != nil {
			return err
		}
		var secID uint64
		for _, m := range sec {
			if m.Name == "Trần Văn Sáu" {
				secID = m.ID
			}
		}
		if cli.ActorID != 0 || chat.ActorID != secID || secID == 0 || cli.CellID != 1 || chat.CellID != 1 {
			t.Errorf("actors %d and %d (secretary %d), cells %d and %d", cli.ActorID, chat.ActorID, secID, cli.CellID, chat.CellID)
		}
		for _, e := range []storage.AuditEntry{cli, chat} {
			var after map[string]any
			if err := json.Unmarshal(e.After, &after); err != nil {
				return err
			}
			if len(after) != 2 || after["role"] == nil || after["expires"] == nil {
				t.Errorf("entry by %d records %s, want the role and the expiry only", e.ActorID, e.After)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}
