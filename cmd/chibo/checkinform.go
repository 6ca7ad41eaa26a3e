package main

import (
	"chibo/flows/core"
	"chibo/flows/faraway"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"time"

	"chibo/locales"
	"chibo/storage"
)

// maxFormFile bounds the form file read: a real form is a few kilobytes.
const maxFormFile = 1 << 20

// runCheckinForm is "chibo admin checkin-form --org ID [--set FILE]": without
// --set it prints the organization's check-in form as JSON (the default form
// when it has none, ready to edit); with it, it checks the file strictly and
// stores it, or stores nothing and says what is wrong. path resolves FILE
// (relative to the caller's directory).
func runCheckinForm(db *storage.DB, orgID uint64, set string, path func(string) string, out io.Writer, t func(string, ...any) string) error {
	if orgID == 0 {
		return errors.New(t("cli_checkin.usage"))
	}
	if set == "" {
		cat, err := locales.Load()
		if err != nil {
			return err
		}
		var form *faraway.CheckinForm
		err = db.View(func(tx *storage.Tx) error {
			if _, err := tx.Org(orgID); err != nil {
				return err
			}
			form, err = faraway.CheckinFormOf(tx, cat, orgID)
			return err
		})
		if errors.Is(err, storage.ErrNotFound) {
			return errors.New(t("cli_checkin.no_org", "ID", orgID))
		}
		if err != nil {
			return err
		}
		enc := json.NewEncoder(out)
		enc.SetEscapeHTML(false)
		enc.SetIndent("", "  ")
		return enc.Encode(form)
	}
	file := path(set)
	data, err := readFormFile(file)
	if err != nil {
		return errors.New(t("cli_checkin.read", "Path", file, "Err", err))
	}
	tmpl, err := faraway.ParseCheckinForm(data)
	var fe *core.FormError
	if errors.As(err, &fe) {
		return errors.New(t("cli_checkin.invalid", "Path", file, "Problem", t(fe.MsgID, fe.KV...)))
	}
	if err != nil {
		return err
	}
	var org *storage.Organization
	err = db.Update(func(tx *storage.Tx) error {
		if org, err = tx.Org(orgID); err != nil {
			return err
		}
		before, err := tx.CheckinTemplate(orgID)
		if err != nil && !errors.Is(err, storage.ErrNotFound) {
			return err
		}
		if err := tx.PutCheckinTemplate(orgID, tmpl); err != nil {
			return err
		}
		e := &storage.AuditEntry{At: time.Now(), Action: "checkin_form_set"} // ActorID 0: the operator
		if before != nil {
			if e.Before, err = json.Marshal(before); err != nil {
				return err
			}
		}
		if e.After, err = json.Marshal(tmpl); err != nil {
			return err
		}
		return tx.AppendAudit(e)
	})
	if errors.Is(err, storage.ErrNotFound) {
		return errors.New(t("cli_checkin.no_org", "ID", orgID))
	}
	if err != nil {
		return err
	}
	fmt.Fprintln(out, t("cli_checkin.saved", "Org", org.Name, "Count", len(tmpl.Fields)))
	return nil
}

func readFormFile(path string) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, maxFormFile+1))
	if err == nil && len(data) > maxFormFile {
		err = fmt.Errorf("larger than %d bytes", maxFormFile)
	}
	return data, err
}
