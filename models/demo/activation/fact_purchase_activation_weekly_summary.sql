{{ dbt_activation.activation_summary(activation=ref('fact_purchase_activation_weekly')) }}
