{#-
    Seeds on Spark: dbt-spark's own spark__load_csv_rows binds every value, and its `session`
    method (the one the tests run, in process) writes a null binding as the string 'None', so
    an empty field of a string column arrived as 'None' (other types cast it to null). This
    copy writes `cast(null as <type>)` for a null and binds the other values as dbt-spark
    does.

    Only this project's own seeds use it (the demo and its tests): dbt looks for an override
    of its built-in macros in the root project and in the package of the node being run, so
    a project that installs dbt_activation (whose seeds are disabled there) keeps dbt-spark's
    macro for its own seeds. Nothing in the package's macros depends on it.
-#}
{% macro spark__load_csv_rows(model, agate_table) %}

    {%- set batch_size = get_batch_size() -%}
    {%- set column_override = model['config'].get('column_types', {}) -%}
    {%- set statements = [] -%}

    {%- for chunk in agate_table.rows | batch(batch_size) -%}
        {%- set bindings = [] -%}

        {%- set sql -%}
            insert into {{ this.render() }} values
            {% for row in chunk -%}
                ({%- for col_name in agate_table.column_names -%}
                    {%- set inferred_type = adapter.convert_type(agate_table, loop.index0) -%}
                    {%- set type = column_override.get(col_name, inferred_type) -%}
                    {%- set value = row[loop.index0] -%}
                    {%- if value is none -%}
                        cast(null as {{ type }})
                    {%- else -%}
                        {%- do bindings.append(value) -%}
                        cast({{ get_binding_char() }} as {{ type }})
                    {%- endif -%}
                    {%- if not loop.last %}, {% endif -%}
                {%- endfor -%})
                {%- if not loop.last %},{% endif %}
            {% endfor %}
        {%- endset -%}

        {%- do adapter.add_query(sql, bindings=bindings, abridge_sql_log=True) -%}

        {%- if loop.index0 == 0 -%}
            {%- do statements.append(sql) -%}
        {%- endif -%}
    {%- endfor -%}

    {#- the SQL of the first batch, for the compiled files -#}
    {{ return(statements[0]) }}
{% endmacro %}
