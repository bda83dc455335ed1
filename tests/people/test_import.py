import pytest

from service.db import db
from service.people.models import Person
from service.people.operations import PeopleImportError, parse_people_file, upsert_people

HEADER = ("directory_id,email,given_name,family_name,display_name,title,department,"
          "manager_directory_id,language\n")


def test_csv_import_upserts_and_links_managers_in_any_order(app, tmp_path, runner):
    path = tmp_path / "people.csv"
    path.write_text(
        HEADER
        + "e2,sian@x.example,Siân,O'Neill,,\"Ward Manager, Cedar\",Nursing,e1,cy-GB\n"
        + "e1,llyr@x.example,Llŷr,Ŵyn,Llŷr Ŵyn,Director,Nursing,,en\n",
        encoding="utf-8")
    result = runner.invoke(args=["people", "import", str(path)])
    assert result.exit_code == 0, result.output
    assert "created 2, updated 0, unchanged 0" in result.output
    sian = db.session.scalar(db.select(Person).filter_by(directory_id="e2"))
    assert sian.display_name == "Siân O'Neill"
    assert sian.title == "Ward Manager, Cedar"
    assert sian.language == "cy"
    assert sian.manager.display_name == "Llŷr Ŵyn"

    path.write_text(HEADER + "e2,sian.new@x.example,Siân,O'Neill,,Matron,Nursing,e1,cy\n"
                    + "e1,llyr@x.example,Llŷr,Ŵyn,Llŷr Ŵyn,Director,Nursing,,en\n",
                    encoding="utf-8")
    result = runner.invoke(args=["people", "import", str(path)])
    assert "created 0, updated 1, unchanged 1" in result.output
    db.session.expire_all()
    assert db.session.scalar(db.select(Person.email).filter_by(directory_id="e2")) == \
        "sian.new@x.example"


def test_bad_rows_are_all_reported_and_nothing_is_saved(app, tmp_path, runner):
    path = tmp_path / "bad.csv"
    path.write_text(HEADER + "e1,not-an-email,A,B,,,,,en\n" + "e2,b@x.example,A,B,,,,,fr\n"
                    + "e2,c@x.example,C,D,,,,,en\n", encoding="utf-8")
    result = runner.invoke(args=["people", "import", str(path)])
    assert result.exit_code == 1
    assert "line 2: email: not an email address (such as name@example.org)" in result.output
    assert "line 3: language: must be one of: en, cy" in result.output
    assert "line 4: directory_id 'e2' repeats line 3" in result.output
    assert db.session.scalar(db.select(db.func.count(Person.id))) == 0


def test_missing_column_says_which_columns_are_expected(app, tmp_path):
    path = tmp_path / "people.csv"
    path.write_text("id,mail\n1,a@b.example\n", encoding="utf-8")
    with pytest.raises(PeopleImportError, match=r"missing column.*directory_id, email"):
        parse_people_file(path)


def test_ldif_import(app, tmp_path):
    path = tmp_path / "people.ldif"
    path.write_text(
        "dn: uid=boss,ou=people,dc=example,dc=org\nobjectClass: inetOrgPerson\nuid: boss\n"
        "entryUUID: 1111-boss\nmail: boss@x.example\ngivenName: Morgan\nsn: Boss\ncn: Morgan Boss\n"
        "\n"
        "dn: uid=gwen,ou=people,dc=example,dc=org\nobjectClass: inetOrgPerson\nuid: gwen\n"
        "entryUUID: 2222-gwen\nmail: gwen@x.example\ngivenName:: R3dlbmxsw69hbg==\nsn: Jones\n"
        "manager: uid=boss,ou=people,dc=example,dc=org\npreferredLanguage: cy\n",
        encoding="utf-8")
    counts = upsert_people(parse_people_file(path))
    assert counts.created == 2
    gwen = db.session.scalar(db.select(Person).filter_by(directory_id="2222-gwen"))
    assert gwen.given_name == "Gwenllïan"
    assert gwen.display_name == "Gwenllïan Jones"
    assert gwen.manager.directory_id == "1111-boss"
    assert gwen.language == "cy"
