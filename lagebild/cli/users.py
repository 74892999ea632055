"""``lagebild user add|list|disable|enable|passwd`` — local accounts (the app must be stopped)."""

from __future__ import annotations

import getpass
import sys

from lagebild.access import ROLES, SYSTEM
from lagebild.cli._common import fail, open_store


def _password(args) -> str:
    if args.password_stdin:
        return sys.stdin.readline().rstrip("\n")
    first = getpass.getpass("Passwort: ")
    if getpass.getpass("Passwort wiederholen: ") != first:
        raise ValueError("Die Passwörter stimmen nicht überein.")
    return first


def run(args) -> int:
    from lagebild.store import StoreError
    from lagebild.accounts import hash_password
    store = open_store(args)
    try:
        if args.action == "add":
            pw_hash = None if args.oidc_only else hash_password(_password(args))
            store.add_user(SYSTEM, args.username, args.role, password_hash=pw_hash,
                           organisation=args.org, cities=args.city or [],
                           display_name=args.name, email=(args.email or "").lower() or None)
            print(f"Konto '{args.username}' ({args.role}) angelegt.")
        elif args.action == "list":
            users = store.users(SYSTEM)
            for col in ("display_name", "email", "organisation", "cities"):
                users[col] = users[col].astype(object).where(users[col].notna(), None)
            if args.json:
                print(users.drop(columns="created_at").to_json(orient="records",
                                                                force_ascii=False))
            else:
                for u in users.itertuples():
                    state = "aktiv" if u.active else "gesperrt"
                    demo = ", Demo" if u.is_demo else ""
                    print(f"{u.username:<16} {u.role:<11} {u.organisation or '-':<22} "
                          f"{u.cities or '-':<20} {state}{demo}")
        elif args.action in ("disable", "enable"):
            store.set_active(SYSTEM, args.username, args.action == "enable")
            print(f"Konto '{args.username}' {'gesperrt' if args.action == 'disable' else 'entsperrt'}.")
        elif args.action == "passwd":
            store.set_password(SYSTEM, args.username, hash_password(_password(args)))
            print(f"Passwort von '{args.username}' geändert.")
    except (ValueError, StoreError) as exc:    # password rules / the store's refusals
        return fail(str(exc), 1)
    finally:
        store.close()
    return 0


def add_parser(sub) -> None:
    users = sub.add_parser("user", help="Lokale Konten verwalten").add_subparsers(
        dest="action", required=True)

    def common(p):
        p.add_argument("--db")
        p.set_defaults(func=run)
        return p

    add = common(users.add_parser("add", help="Konto anlegen"))
    add.add_argument("username")
    add.add_argument("--role", required=True, choices=ROLES)
    add.add_argument("--org", help="Organisation (Pflicht für outreach)")
    add.add_argument("--city", action="append", help="Stadt (mehrfach möglich)")
    add.add_argument("--name", help="Anzeigename")
    add.add_argument("--email", help="E-Mail für die Anmeldung über den Identity Provider")
    add.add_argument("--oidc-only", action="store_true", help="ohne Passwort (nur OIDC)")
    add.add_argument("--password-stdin", action="store_true",
                     help="Passwort aus der ersten Zeile der Standardeingabe lesen")
    lst = common(users.add_parser("list", help="Konten auflisten"))
    lst.add_argument("--json", action="store_true")
    for name in ("disable", "enable"):
        common(users.add_parser(name, help=f"Konto {'sperren' if name == 'disable' else 'entsperren'}")
               ).add_argument("username")
    pw = common(users.add_parser("passwd", help="Passwort setzen"))
    pw.add_argument("username")
    pw.add_argument("--password-stdin", action="store_true")
