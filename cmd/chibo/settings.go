package main

import (
	"chibo/flows/commune"
	"chibo/flows/core"
	"chibo/flows/meetings"
	"chibo/flows/residence"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"time"

	"chibo/locales"
	"chibo/storage"
)

// settingsFile is a rule set an operator edits as JSON: how to read the
// current one, check a new one and store it.
type settingsFile struct {
	byOrg bool // kept per organization (else per cell)
	get   func(tx *storage.Tx, cat *locales.Catalog, id uint64) (any, error)
	parse func(data []byte) (any, error)
	put   func(tx *storage.Tx, id uint64, v any) error
}

var settingsFiles = map[string]settingsFile{
	"quality-template": {
		byOrg: true,
		get: func(tx *storage.Tx, cat *locales.Catalog, id uint64) (any, error) {
			t, err := meetings.QualityTemplateOf(tx, cat, id)
			if err != nil {
				return nil, err
			}
			return map[string]any{"sections": t.Sections}, nil
		},
		parse: func(data []byte) (any, error) { return meetings.ParseQualityTemplate(data) },
		put: func(tx *storage.Tx, id uint64, v any) error {
			t := v.(*storage.QualityTemplate)
			t.OrgID = id
			return tx.PutQualityTemplate(t)
		},
	},
	"residence-form": {
		byOrg: true,
		get: func(tx *storage.Tx, cat *locales.Catalog, id uint64) (any, error) {
			return residence.ResidenceFormOf(tx, cat, id)
		},
		parse: func(data []byte) (any, error) { return residence.ParseResidenceForm(data) },
		put: func(tx *storage.Tx, id uint64, v any) error {
			return tx.PutResidenceTemplate(id, v.(*storage.ResidenceTemplate))
		},
	},
	"rating-rules": {
		byOrg: true,
		get: func(tx *storage.Tx, cat *locales.Catalog, id uint64) (any, error) {
			return commune.RatingRulesOf(tx, cat, id)
		},
		parse: func(data []byte) (any, error) { return commune.ParseRatingRules(data) },
		put: func(tx *storage.Tx, id uint64, v any) error {
			return tx.PutRatingRules(id, v.(*storage.RatingRules))
		},
	},
	"residence-settings": {
		get: func(tx *storage.Tx, _ *locales.Catalog, id uint64) (any, error) {
			s, err := tx.ResidenceSettings(id)
			return s.WithDefaults(), err
		},
		parse: func(data []byte) (any, error) { return residence.ParseResidenceSettings(data) },
		put: func(tx *storage.Tx, id uint64, v any) error {
			return tx.PutResidenceSettings(id, v.(storage.ResidenceSettings))
		},
	},
}

// runSettingsFile is "chibo admin <name> --org ID|--cell ID [--set FILE]":
// without --set it prints the rules as JSON (the defaults when none were
// stored, ready to edit); with it, it checks FILE strictly and stores it in
// one transaction with its audit entry, or stores nothing and says why.
func runSettingsFile(name string, db *storage.DB, org, cell uint64, set string, path func(string) string, out io.Writer, t func(string, ...any) string) error {
	st := settingsTarget{settingsFile: settingsFiles[name], name: name, id: cell, t: t}
	if st.byOrg {
		st.id = org
	}
	if st.id == 0 {
		return errors.New(t("cli_settings.usage", "Name", name))
	}
	if set == "" {
		return st.print(db, out)
	}
	return st.store(db, path(set), out)
}

// settingsTarget is one settings file of one organization or cell.
type settingsTarget struct {
	settingsFile
	name string
	id   uint64
	t    func(string, ...any) string
}

// owner checks the organization or cell exists and returns the cell to
// audit under (0 for an organization).
func (st settingsTarget) owner(tx *storage.Tx) (cellID uint64, err error) {
	if st.byOrg {
		_, err = tx.Org(st.id)
		return 0, err
	}
	_, err = tx.Cell(st.id)
	return st.id, err
}

// missing is the error for an organization or cell that does not exist.
func (st settingsTarget) missing() error {
	if st.byOrg {
		return errors.New(st.t("cli_settings.no_org", "ID", st.id))
	}
	return errors.New(st.t("cli_settings.no_cell", "ID", st.id))
}

// print writes the stored rules (or the defaults) as indented JSON.
func (st settingsTarget) print(db *storage.DB, out io.Writer) error {
	cat, err := locales.Load()
	if err != nil {
		return err
	}
	var v any
	err = db.View(func(tx *storage.Tx) error {
		if _, err := st.owner(tx); err != nil {
			return err
		}
		v, err = st.get(tx, cat, st.id)
		return err
	})
	if errors.Is(err, storage.ErrNotFound) {
		return st.missing()
	}
	if err != nil {
		return err
	}
	enc := json.NewEncoder(out)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}

// store checks file strictly and stores it with its audit entry in one
// transaction, or stores nothing and says why.
func (st settingsTarget) store(db *storage.DB, file string, out io.Writer) error {
	t := st.t
	data, err := readFormFile(file)
	if err != nil {
		return errors.New(t("cli_settings.read", "Path", file, "Err", err))
	}
	v, err := st.parse(data)
	var fe *core.FormError
	if errors.As(err, &fe) {
		return errors.New(t("cli_settings.invalid", "Path", file, "Problem", t(fe.MsgID, fe.KV...)))
	}
	if err != nil {
		return err
	}
	err = db.Update(func(tx *storage.Tx) error {
		cellID, err := st.owner(tx)
		if err != nil {
			return err
		}
		if err := st.put(tx, st.id, v); err != nil {
			return err
		}
		after, err := json.Marshal(map[string]any{"file": st.name, "rules": v})
		if err != nil {
			return err
		}
		// ActorID 0: the operator's command line.
		return tx.AppendAudit(&storage.AuditEntry{At: time.Now(), CellID: cellID, Action: "rules_file", After: after})
	})
	if errors.Is(err, storage.ErrNotFound) {
		return st.missing()
	}
	if err != nil {
		return err
	}
	fmt.Fprintln(out, t("cli_settings.saved", "Name", st.name, "ID", st.id))
	return nil
}
