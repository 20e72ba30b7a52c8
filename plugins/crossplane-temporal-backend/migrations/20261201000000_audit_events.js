/*
 * The audit trail of requests and decisions made through the API, kept so that a resource's
 * history can show who asked for what beside what its workflow did. Each record also goes to
 * Backstage's auditor.
 */

/** @param {import('knex').Knex} knex */
exports.up = async function up(knex) {
  await knex.schema.createTable('audit_events', table => {
    table.increments('id').primary();
    table.string('workflow_id', 512).notNullable();
    table.string('at', 40).notNullable().comment('ISO 8601, UTC');
    table.string('actor', 320).notNullable();
    table.string('operation', 40).notNullable();
    table.string('outcome', 20).notNullable().comment('succeeded or failed');
    table.text('message').notNullable();
    table.string('request_id', 200).nullable();
    table.index(['workflow_id', 'id'], 'audit_events_workflow_idx');
  });
};

/** @param {import('knex').Knex} knex */
exports.down = async function down(knex) {
  await knex.schema.dropTable('audit_events');
};
