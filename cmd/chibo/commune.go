package main

import (
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"chibo/flows"
	"chibo/flows/chat"
	"chibo/flows/commune"
	"chibo/flows/core"
	"chibo/locales"
	"chibo/storage"
)

// The commune's side on the command line (issue 17):
//
//	chibo admin commune --org ID                                  the committee and who follows which cell
//	chibo admin commune --org ID --member ID bithu|phobithu|uyvien|thoi
//	chibo admin commune --org ID --member ID --cell ID phutrach|bo
//	chibo export --org ID --what overview|briefing [--month yyyy-mm] [--out PATH]
//
// The operator acts as the organization's admin does with /capuy, audited
// as actor 0.

// communeEngine is an engine with every journey, for work done on the
// command line in the caller's language.
func communeEngine(cfg Config) (*core.Engine, error) {
	cat, err := locales.Load()
	if err != nil {
		return nil, err
	}
	return core.NewEngine(cat, core.Config{Zone: cfg.zone, DefaultLang: cfg.Lang, Now: cfg.now}, flows.Journeys()...)
}

func runCommuneAdmin(cfg Config, db *storage.DB, args []string, out io.Writer, t func(string, ...any) string) error {
	fs := flag.NewFlagSet("admin commune", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	org := fs.Uint64("org", 0, "")
	member := fs.Uint64("member", 0, "")
	cell := fs.Uint64("cell", 0, "")
	if err := fs.Parse(args); err != nil || *org == 0 || fs.NArg() > 1 || (fs.NArg() == 1) != (*member != 0) {
		return errors.New(t("commune.cli_usage"))
	}
	e, err := communeEngine(cfg)
	if err != nil {
		return err
	}
	return db.Update(func(tx *storage.Tx) error {
		c := &core.Ctx{E: e, Tx: tx, Now: cfg.now(), Lang: cfg.Lang}
		o, err := tx.Org(*org)
		if errors.Is(err, storage.ErrNotFound) {
			return errors.New(t("commune.cli_no_org", "ID", *org))
		}
		if err != nil {
			return err
		}
		if fs.NArg() == 0 {
			text, err := commune.RolesText(c, o)
			if err != nil {
				return err
			}
			fmt.Fprintln(out, text)
			return nil
		}
		m, err := tx.Member(*member)
		if errors.Is(err, storage.ErrNotFound) {
			return errors.New(t("commune.err_no_member", "Who", *member))
		}
		if err != nil {
			return err
		}
		res, err := commune.Change(c, o, m, strings.ToLower(fs.Arg(0)), *cell)
		if r, ok := commune.AsRefusal(err); ok {
			if r.MsgID == "commune.capuy_usage" { // the chat's words; here the command line's
				return errors.New(t("commune.cli_usage"))
			}
			return errors.New(c.T(r.MsgID, r.KV...))
		}
		if err != nil {
			return err
		}
		fmt.Fprintln(out, c.T(res.MsgID, res.KV...))
		return nil
	})
}

// runCommuneExport writes a commune's files, as the standing committee gets
// them in chat.
func runCommuneExport(cfg Config, db *storage.DB, orgID uint64, what, month string, year int, dest string, out io.Writer, t func(string, ...any) string) error {
	if what != commune.ExportOverview && what != commune.ExportBriefing && what != commune.ExportYear {
		return errors.New(t("commune.cli_export_usage"))
	}
	e, err := communeEngine(cfg)
	if err != nil {
		return err
	}
	var docs []chat.Document
	err = db.View(func(tx *storage.Tx) error {
		c := &core.Ctx{E: e, Tx: tx, Now: cfg.now(), Lang: cfg.Lang}
		p := core.Period{Y: c.Now.In(cfg.zone).Year(), M: c.Now.In(cfg.zone).Month()}
		if month != "" {
			var ok bool
			if p, ok = core.ParsePeriod(month); !ok {
				return errors.New(t("commune.cli_export_usage"))
			}
		}
		o, err := tx.Org(orgID)
		if errors.Is(err, storage.ErrNotFound) {
			return errors.New(t("commune.cli_no_org", "ID", orgID))
		}
		if err != nil {
			return err
		}
		if what == commune.ExportYear {
			if year == 0 {
				year = p.Y
			}
			docs, err = commune.YearFiles(c, o, year)
			if errors.Is(err, commune.ErrBadYear) {
				return errors.New(t("commune.cli_export_usage"))
			}
			return err
		}
		docs, err = commune.Files(c, o, what, p)
		if errors.Is(err, commune.ErrNoBriefing) {
			return errors.New(t("commune.gb_none_month", "Month", p.Label()))
		}
		return err
	})
	if err != nil {
		return err
	}
	after, err := json.Marshal(map[string]any{"what": what, "org": orgID, "month": month, "year": year, "files": len(docs)})
	if err != nil {
		return err
	}
	if err := db.Update(func(tx *storage.Tx) error {
		return tx.AppendAudit(&storage.AuditEntry{At: cfg.now(), Action: "export_made", After: after})
	}); err != nil {
		return err
	}
	path := cfg.path(dest)
	if st, err := os.Stat(path); err == nil && st.IsDir() || strings.HasSuffix(dest, string(os.PathSeparator)) {
		if err := os.MkdirAll(path, 0o750); err != nil {
			return err
		}
		path = filepath.Join(path, docs[0].Name)
	}
	// Names of committee members and figures of cells: owner only.
	if err := os.WriteFile(path, docs[0].Data, 0o600); err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	fmt.Fprintln(out, t("cli_export.written", "Path", path, "Size", len(docs[0].Data)))
	return nil
}
