package bot

import (
	"bufio"
	"bytes"
	"embed"
	"fmt"
	"io/fs"
	"path"
	"sort"
	"strings"

	"golang.org/x/text/feature/plural"
	"golang.org/x/text/language"
)

// The message catalogs: files named <lang>.txt or <lang>.<part>.txt, "key = text" per
// line, with fmt verbs for arguments (%[2]s to reorder). A key may come in plural
// variants, "key[one] = …", "key[few] = …", "key[other] = …", chosen by the first
// integer argument under the language's CLDR plural rules. A translation is a new
// file, not a code change.
//
//go:embed catalog/*.txt
var catalogFS embed.FS

// DefaultLang is the language used when a user has none or a key is missing in theirs.
const DefaultLang = "en"

// Catalog holds the user-facing texts of every language.
type Catalog struct {
	msgs map[string]map[string]string
	// plurals holds the keys written with [form] variants: lang → key → form → text.
	plurals map[string]map[string]map[plural.Form]string
	tags    map[string]language.Tag
}

// pluralForms are the CLDR plural categories a catalog key may be suffixed with.
var pluralForms = map[string]plural.Form{
	"zero": plural.Zero, "one": plural.One, "two": plural.Two,
	"few": plural.Few, "many": plural.Many, "other": plural.Other,
}

// LoadCatalog reads the embedded catalogs.
func LoadCatalog() (*Catalog, error) {
	sub, err := fs.Sub(catalogFS, "catalog")
	if err != nil {
		return nil, err
	}
	return LoadCatalogFS(sub)
}

// LoadCatalogFS reads every *.txt file at the top of fsys as a catalog: a new
// language is only a set of files, embedded or not.
func LoadCatalogFS(fsys fs.FS) (*Catalog, error) {
	c := &Catalog{msgs: map[string]map[string]string{}, plurals: map[string]map[string]map[plural.Form]string{}, tags: map[string]language.Tag{}}
	files, err := fs.Glob(fsys, "*.txt")
	if err != nil {
		return nil, err
	}
	for _, name := range files {
		b, err := fs.ReadFile(fsys, name)
		if err != nil {
			return nil, err
		}
		// "en.txt" and "en.reports.txt" are both English: a feature may bring its
		// texts in a file of its own.
		lang, _, _ := strings.Cut(strings.TrimSuffix(path.Base(name), ".txt"), ".")
		tag, err := language.Parse(lang)
		if err != nil {
			return nil, fmt.Errorf("catalog %s: %q is not a language code", name, lang)
		}
		m, err := parseCatalog(b)
		if err != nil {
			return nil, fmt.Errorf("catalog %s: %w", name, err)
		}
		if c.msgs[lang] == nil {
			c.msgs[lang] = map[string]string{}
			c.plurals[lang] = map[string]map[plural.Form]string{}
			c.tags[lang] = tag
		}
		for k, v := range m {
			if _, dup := c.msgs[lang][k]; dup {
				return nil, fmt.Errorf("catalog %s: %s is defined in another %s file too", name, k, lang)
			}
			c.msgs[lang][k] = v
		}
	}
	if c.msgs[DefaultLang] == nil {
		return nil, fmt.Errorf("catalog: no %s.txt", DefaultLang)
	}
	// Plural variants are gathered per key; a key needs its "other" form, which is
	// what every language falls back to.
	for lang, m := range c.msgs {
		for k, v := range m {
			base, form, ok := pluralKey(k)
			if !ok {
				continue
			}
			if _, plain := m[base]; plain {
				return nil, fmt.Errorf("catalog %s: %s has both a plain text and plural variants", lang, base)
			}
			if c.plurals[lang][base] == nil {
				c.plurals[lang][base] = map[plural.Form]string{}
			}
			c.plurals[lang][base][form] = v
		}
		for base, forms := range c.plurals[lang] {
			if _, ok := forms[plural.Other]; !ok {
				return nil, fmt.Errorf("catalog %s: %s[other] is missing", lang, base)
			}
		}
	}
	return c, nil
}

// pluralKey splits "key[few]" into key and the form; ok is false for a plain key.
func pluralKey(k string) (string, plural.Form, bool) {
	if !strings.HasSuffix(k, "]") {
		return k, 0, false
	}
	i := strings.LastIndexByte(k, '[')
	if i < 0 {
		return k, 0, false
	}
	f, ok := pluralForms[k[i+1:len(k)-1]]
	return k[:i], f, ok
}

func parseCatalog(b []byte) (map[string]string, error) {
	m := map[string]string{}
	sc := bufio.NewScanner(bytes.NewReader(b))
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		k, v, ok := strings.Cut(line, "=")
		if !ok {
			return nil, fmt.Errorf("line %d: want key = text", n)
		}
		k = strings.TrimSpace(k)
		if strings.HasSuffix(k, "]") {
			if _, _, ok := pluralKey(k); !ok {
				return nil, fmt.Errorf("line %d: %s: plural forms are zero, one, two, few, many, other", n, k)
			}
		}
		if _, dup := m[k]; dup {
			return nil, fmt.Errorf("line %d: %s defined twice", n, k)
		}
		m[k] = strings.ReplaceAll(strings.TrimSpace(v), `\n`, "\n")
	}
	return m, sc.Err()
}

// Languages lists the languages that have a catalog, sorted.
func (c *Catalog) Languages() []string {
	var out []string
	for l := range c.msgs {
		out = append(out, l)
	}
	sort.Strings(out) // map order would change the reply from run to run
	return out
}

// HasLang reports whether lang has a catalog.
func (c *Catalog) HasLang(lang string) bool {
	_, ok := c.msgs[lang]
	return ok
}

// Has reports whether key exists in the default language.
func (c *Catalog) Has(key string) bool {
	return c.has(DefaultLang, key)
}

func (c *Catalog) has(lang, key string) bool {
	if _, ok := c.msgs[lang][key]; ok {
		return true
	}
	_, ok := c.plurals[lang][key]
	return ok
}

// T returns the text for key in lang (falling back to the default language, then to
// the key itself), formatted with args.
func (c *Catalog) T(lang, key string, args ...any) string {
	if !c.has(lang, key) {
		lang = DefaultLang
	}
	s, ok := c.msgs[lang][key]
	if !ok {
		forms, plural := c.plurals[lang][key]
		if !plural {
			return key
		}
		s = forms[c.form(lang, forms, args)]
	}
	if len(args) == 0 {
		return s
	}
	return fmt.Sprintf(s, args...)
}

// form picks the plural variant for the first integer argument; "other" when the
// language has no text for the form its rules give.
func (c *Catalog) form(lang string, forms map[plural.Form]string, args []any) plural.Form {
	n, ok := firstInt(args)
	if !ok {
		return plural.Other
	}
	if n < 0 {
		n = -n
	}
	f := plural.Cardinal.MatchPlural(c.tags[lang], int(n%10_000_000), 0, 0, 0, 0)
	if _, ok := forms[f]; ok {
		return f
	}
	return plural.Other
}

func firstInt(args []any) (int64, bool) {
	for _, a := range args {
		switch v := a.(type) {
		case int:
			return int64(v), true
		case int64:
			return v, true
		case int32:
			return int64(v), true
		case uint64:
			return int64(v % 10_000_000), true
		case uint32:
			return int64(v), true
		case uint:
			return int64(v % 10_000_000), true
		}
	}
	return 0, false
}
