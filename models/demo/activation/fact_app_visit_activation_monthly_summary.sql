{{ dbt_activation.activation_summary(activation=ref('fact_app_visit_activation_monthly')) }}
