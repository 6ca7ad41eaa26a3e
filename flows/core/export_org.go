package core

import (
	"errors"

	"chibo/flows/chat"
	"chibo/storage"
)

// Exports of a whole organization (issue 17: `chibo export --org N --what
// tasks|groups`), registered by the journey that owns their records.

// OrgExportFunc makes the files of one kind of export of an organization.
type OrgExportFunc func(c *Ctx, org *storage.Organization, req ExportRequest) ([]chat.Document, error)

// OrgExporter registers the builder of one kind of organization export.
func (e *Engine) OrgExporter(what string, f OrgExportFunc) {
	if e.Hooks.orgExports == nil {
		e.Hooks.orgExports = map[string]OrgExportFunc{}
	}
	if _, dup := e.Hooks.orgExports[what]; dup {
		panic("flows: duplicate organization export " + what)
	}
	e.Hooks.orgExports[what] = f
}

// ExportOrg makes the files of req for the organization orgID in lang, as
// the command line asks them. Nothing stored changes.
func (e *Engine) ExportOrg(tx *storage.Tx, lang string, orgID uint64, req ExportRequest) ([]chat.Document, error) {
	c := &Ctx{E: e, Tx: tx, Now: e.Cfg.Now(), Lang: lang}
	org, err := tx.Org(orgID)
	if errors.Is(err, storage.ErrNotFound) {
		return nil, &ErrExport{MsgID: "exp_org.no_org", KV: []any{"ID", orgID}}
	}
	if err != nil {
		return nil, err
	}
	if req.Format == "" {
		req.Format = FormatXLSX
	}
	if req.Format != FormatXLSX && req.Format != FormatCSV {
		return nil, &ErrExport{MsgID: "exp.bad_format"}
	}
	f, ok := e.Hooks.orgExports[req.What]
	if !ok {
		return nil, &ErrExport{MsgID: "exp.bad_what"}
	}
	return f(c, org, req)
}

// OrgCells lists the organization's cells, in id order, through the index
// of cells by organization (storage.Tx.OrgCells), not every cell.
func (c *Ctx) OrgCells(orgID uint64) ([]storage.Cell, error) {
	return c.Tx.OrgCells(orgID)
}
