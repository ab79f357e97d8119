"""Pipeline: market exploration runs and candidates, cases with transitions, pitch criteria and scores,
pilots with KPIs and milestones, decisions, knowledge articles; merged needs.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-28 17:41:53.062369
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

import govlotse.core.models

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("challenges", schema=None) as batch_op:
        batch_op.add_column(sa.Column("merged_into_id", sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f("ix_challenges_merged_into_id"), ["merged_into_id"], unique=False)

    op.create_table(
        "articles",
        sa.Column("title", sa.String(length=300), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=True),
        sa.Column("challenge_id", sa.Integer(), nullable=True),
        sa.Column("organisation_id", sa.Integer(), nullable=True),
        sa.Column("author_id", sa.Integer(), nullable=True),
        sa.Column("author_label", sa.String(length=200), nullable=False),
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column(
            "created_at", govlotse.core.models.UTCDateTime(timezone=True), server_default=sa.func.now(), nullable=False
        ),
        sa.Column(
            "updated_at", govlotse.core.models.UTCDateTime(timezone=True), server_default=sa.func.now(), nullable=False
        ),
        sa.Column("version", sa.Integer(), server_default="1", nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_articles")),
    )
    with op.batch_alter_table("articles", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_articles_case_id"), ["case_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_articles_challenge_id"), ["challenge_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_articles_organisation_id"), ["organisation_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_articles_status"), ["status"], unique=False)

    op.create_table(
        "article_tags",
        sa.Column("article_id", sa.Integer(), nullable=False),
        sa.Column("tag_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["article_id"], ["articles.id"], name=op.f("fk_article_tags_article_id_articles"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(["tag_id"], ["tags.id"], name=op.f("fk_article_tags_tag_id_tags"), ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("article_id", "tag_id", name=op.f("pk_article_tags")),
    )
    op.create_table(
        "exploration_runs",
        sa.Column("challenge_id", sa.Integer(), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("query", sa.Text(), nullable=False),
        sa.Column("filters", sa.JSON().with_variant(postgresql.JSONB(), "postgresql"), nullable=False),
        sa.Column("model", sa.String(length=100), nullable=False),
        sa.Column("rules_version", sa.String(length=50), nullable=False),
        sa.Column("search_settings", sa.JSON().with_variant(postgresql.JSONB(), "postgresql"), nullable=False),
        sa.Column("searched_at", govlotse.core.models.UTCDateTime(timezone=True), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("created_by_label", sa.String(length=200), nullable=False),
        sa.Column("closed_at", govlotse.core.models.UTCDateTime(timezone=True), nullable=True),
        sa.Column("closed_by_label", sa.String(length=200), nullable=True),
        sa.Column("notes", sa.Text(), nullable=False),
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column(
            "created_at", govlotse.core.models.UTCDateTime(timezone=True), server_default=sa.func.now(), nullable=False
        ),
        sa.Column(
            "updated_at", govlotse.core.models.UTCDateTime(timezone=True), server_default=sa.func.now(), nullable=False
        ),
        sa.Column("version", sa.Integer(), server_default="1", nullable=False),
        sa.ForeignKeyConstraint(
            ["challenge_id"],
            ["challenges.id"],
            name=op.f("fk_exploration_runs_challenge_id_challenges"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_exploration_runs")),
        sa.UniqueConstraint("challenge_id", "number", name=op.f("uq_exploration_runs_challenge_id")),
    )
    with op.batch_alter_table("exploration_runs", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_exploration_runs_challenge_id"), ["challenge_id"], unique=False)

    op.create_table(
        "pitch_criteria",
        sa.Column("challenge_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("weight", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column(
            "created_at", govlotse.core.models.UTCDateTime(timezone=True), server_default=sa.func.now(), nullable=False
        ),
        sa.Column(
            "updated_at", govlotse.core.models.UTCDateTime(timezone=True), server_default=sa.func.now(), nullable=False
        ),
        sa.Column("version", sa.Integer(), server_default="1", nullable=False),
        sa.ForeignKeyConstraint(
            ["challenge_id"],
            ["challenges.id"],
            name=op.f("fk_pitch_criteria_challenge_id_challenges"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_pitch_criteria")),
    )
    with op.batch_alter_table("pitch_criteria", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_pitch_criteria_challenge_id"), ["challenge_id"], unique=False)

    op.create_table(
        "cases",
        sa.Column("challenge_id", sa.Integer(), nullable=False),
        sa.Column("solution_id", sa.Integer(), nullable=False),
        sa.Column("organisation_id", sa.Integer(), nullable=False),
        sa.Column("run_id", sa.Integer(), nullable=True),
        sa.Column("stage", sa.String(length=20), nullable=False),
        sa.Column("stage_since", govlotse.core.models.UTCDateTime(timezone=True), nullable=False),
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column(
            "created_at", govlotse.core.models.UTCDateTime(timezone=True), server_default=sa.func.now(), nullable=False
        ),
        sa.Column(
            "updated_at", govlotse.core.models.UTCDateTime(timezone=True), server_default=sa.func.now(), nullable=False
        ),
        sa.Column("version", sa.Integer(), server_default="1", nullable=False),
        sa.ForeignKeyConstraint(
            ["challenge_id"], ["challenges.id"], name=op.f("fk_cases_challenge_id_challenges"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["organisation_id"], ["organisations.id"], name=op.f("fk_cases_organisation_id_organisations")
        ),
        sa.ForeignKeyConstraint(
            ["run_id"], ["exploration_runs.id"], name=op.f("fk_cases_run_id_exploration_runs"), ondelete="SET NULL"
        ),
        sa.ForeignKeyConstraint(["solution_id"], ["solutions.id"], name=op.f("fk_cases_solution_id_solutions")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_cases")),
        sa.UniqueConstraint("challenge_id", "solution_id", name=op.f("uq_cases_challenge_id")),
    )
    with op.batch_alter_table("cases", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_cases_challenge_id"), ["challenge_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_cases_organisation_id"), ["organisation_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_cases_solution_id"), ["solution_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_cases_stage"), ["stage"], unique=False)

    op.create_table(
        "exploration_candidates",
        sa.Column("run_id", sa.Integer(), nullable=False),
        sa.Column("solution_id", sa.Integer(), nullable=False),
        sa.Column("organisation_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("rank", sa.Integer(), nullable=True),
        sa.Column("score", sa.Float(), nullable=True),
        sa.Column("semantic", sa.Float(), nullable=True),
        sa.Column("lexical", sa.Float(), nullable=True),
        sa.Column("explanation", sa.JSON().with_variant(postgresql.JSONB(), "postgresql"), nullable=False),
        sa.Column("segment", sa.String(length=120), nullable=False),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("added_manually", sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.Column("judgment", sa.Integer(), nullable=True),
        sa.Column("decided_by_label", sa.String(length=200), nullable=True),
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column(
            "created_at", govlotse.core.models.UTCDateTime(timezone=True), server_default=sa.func.now(), nullable=False
        ),
        sa.Column(
            "updated_at", govlotse.core.models.UTCDateTime(timezone=True), server_default=sa.func.now(), nullable=False
        ),
        sa.Column("version", sa.Integer(), server_default="1", nullable=False),
        sa.ForeignKeyConstraint(
            ["run_id"],
            ["exploration_runs.id"],
            name=op.f("fk_exploration_candidates_run_id_exploration_runs"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["solution_id"], ["solutions.id"], name=op.f("fk_exploration_candidates_solution_id_solutions")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_exploration_candidates")),
        sa.UniqueConstraint("run_id", "solution_id", name=op.f("uq_exploration_candidates_run_id")),
    )
    with op.batch_alter_table("exploration_candidates", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_exploration_candidates_organisation_id"), ["organisation_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_exploration_candidates_run_id"), ["run_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_exploration_candidates_solution_id"), ["solution_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_exploration_candidates_status"), ["status"], unique=False)

    op.create_table(
        "case_transitions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("from_stage", sa.String(length=20), nullable=True),
        sa.Column("to_stage", sa.String(length=20), nullable=False),
        sa.Column("at", govlotse.core.models.UTCDateTime(timezone=True), nullable=False),
        sa.Column("actor_id", sa.Integer(), nullable=True),
        sa.Column("actor_label", sa.String(length=200), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["case_id"], ["cases.id"], name=op.f("fk_case_transitions_case_id_cases"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_case_transitions")),
    )
    with op.batch_alter_table("case_transitions", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_case_transitions_case_id"), ["case_id"], unique=False)

    op.create_table(
        "pilot_decisions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("outcome", sa.String(length=10), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("lessons", sa.Text(), nullable=False),
        sa.Column("follow_up", sa.JSON().with_variant(postgresql.JSONB(), "postgresql"), nullable=False),
        sa.Column("decided_at", govlotse.core.models.UTCDateTime(timezone=True), nullable=False),
        sa.Column("decided_by_label", sa.String(length=200), nullable=False),
        sa.Column("article_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["case_id"], ["cases.id"], name=op.f("fk_pilot_decisions_case_id_cases"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_pilot_decisions")),
        sa.UniqueConstraint("case_id", name=op.f("uq_pilot_decisions_case_id")),
    )
    op.create_table(
        "pilots",
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("scope", sa.Text(), nullable=False),
        sa.Column("price", sa.Integer(), nullable=False),
        sa.Column("start", sa.Date(), nullable=False),
        sa.Column("end", sa.Date(), nullable=False),
        sa.Column("go_no_go", sa.Date(), nullable=False),
        sa.Column("last_update_at", govlotse.core.models.UTCDateTime(timezone=True), nullable=False),
        sa.Column("status_note", sa.Text(), nullable=False),
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column(
            "created_at", govlotse.core.models.UTCDateTime(timezone=True), server_default=sa.func.now(), nullable=False
        ),
        sa.Column(
            "updated_at", govlotse.core.models.UTCDateTime(timezone=True), server_default=sa.func.now(), nullable=False
        ),
        sa.Column("version", sa.Integer(), server_default="1", nullable=False),
        sa.ForeignKeyConstraint(["case_id"], ["cases.id"], name=op.f("fk_pilots_case_id_cases"), ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_pilots")),
        sa.UniqueConstraint("case_id", name=op.f("uq_pilots_case_id")),
    )
    op.create_table(
        "pitch_scores",
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("criterion_id", sa.Integer(), nullable=False),
        sa.Column("evaluator_id", sa.Integer(), nullable=False),
        sa.Column("evaluator_label", sa.String(length=200), nullable=False),
        sa.Column("value", sa.Integer(), nullable=False),
        sa.Column("comment", sa.Text(), nullable=False),
        sa.Column("submitted_at", govlotse.core.models.UTCDateTime(timezone=True), nullable=True),
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column(
            "created_at", govlotse.core.models.UTCDateTime(timezone=True), server_default=sa.func.now(), nullable=False
        ),
        sa.Column(
            "updated_at", govlotse.core.models.UTCDateTime(timezone=True), server_default=sa.func.now(), nullable=False
        ),
        sa.Column("version", sa.Integer(), server_default="1", nullable=False),
        sa.ForeignKeyConstraint(
            ["case_id"], ["cases.id"], name=op.f("fk_pitch_scores_case_id_cases"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["criterion_id"],
            ["pitch_criteria.id"],
            name=op.f("fk_pitch_scores_criterion_id_pitch_criteria"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_pitch_scores")),
        sa.UniqueConstraint("case_id", "criterion_id", "evaluator_id", name=op.f("uq_pitch_scores_case_id")),
    )
    with op.batch_alter_table("pitch_scores", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_pitch_scores_case_id"), ["case_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_pitch_scores_evaluator_id"), ["evaluator_id"], unique=False)

    op.create_table(
        "pilot_kpis",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("pilot_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("unit", sa.String(length=40), nullable=False),
        sa.Column("baseline", sa.Float(), nullable=False),
        sa.Column("target", sa.Float(), nullable=False),
        sa.Column("result", sa.Float(), nullable=True),
        sa.ForeignKeyConstraint(
            ["pilot_id"], ["pilots.id"], name=op.f("fk_pilot_kpis_pilot_id_pilots"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_pilot_kpis")),
    )
    with op.batch_alter_table("pilot_kpis", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_pilot_kpis_pilot_id"), ["pilot_id"], unique=False)

    op.create_table(
        "pilot_milestones",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("pilot_id", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("due", sa.Date(), nullable=False),
        sa.Column("done_on", sa.Date(), nullable=True),
        sa.ForeignKeyConstraint(
            ["pilot_id"], ["pilots.id"], name=op.f("fk_pilot_milestones_pilot_id_pilots"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_pilot_milestones")),
    )
    with op.batch_alter_table("pilot_milestones", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_pilot_milestones_pilot_id"), ["pilot_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("challenges", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_challenges_merged_into_id"))
        batch_op.drop_column("merged_into_id")

    with op.batch_alter_table("pilot_milestones", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_pilot_milestones_pilot_id"))

    op.drop_table("pilot_milestones")
    with op.batch_alter_table("pilot_kpis", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_pilot_kpis_pilot_id"))

    op.drop_table("pilot_kpis")
    with op.batch_alter_table("pitch_scores", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_pitch_scores_evaluator_id"))
        batch_op.drop_index(batch_op.f("ix_pitch_scores_case_id"))

    op.drop_table("pitch_scores")
    op.drop_table("pilots")
    op.drop_table("pilot_decisions")
    with op.batch_alter_table("case_transitions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_case_transitions_case_id"))

    op.drop_table("case_transitions")
    with op.batch_alter_table("exploration_candidates", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_exploration_candidates_status"))
        batch_op.drop_index(batch_op.f("ix_exploration_candidates_solution_id"))
        batch_op.drop_index(batch_op.f("ix_exploration_candidates_run_id"))
        batch_op.drop_index(batch_op.f("ix_exploration_candidates_organisation_id"))

    op.drop_table("exploration_candidates")
    with op.batch_alter_table("cases", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_cases_stage"))
        batch_op.drop_index(batch_op.f("ix_cases_solution_id"))
        batch_op.drop_index(batch_op.f("ix_cases_organisation_id"))
        batch_op.drop_index(batch_op.f("ix_cases_challenge_id"))

    op.drop_table("cases")
    with op.batch_alter_table("pitch_criteria", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_pitch_criteria_challenge_id"))

    op.drop_table("pitch_criteria")
    with op.batch_alter_table("exploration_runs", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_exploration_runs_challenge_id"))

    op.drop_table("exploration_runs")
    op.drop_table("article_tags")
    with op.batch_alter_table("articles", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_articles_status"))
        batch_op.drop_index(batch_op.f("ix_articles_organisation_id"))
        batch_op.drop_index(batch_op.f("ix_articles_challenge_id"))
        batch_op.drop_index(batch_op.f("ix_articles_case_id"))

    op.drop_table("articles")
