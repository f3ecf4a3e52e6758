{{ dbt_activation.activation_states(
    source=ref('fact__purchases'),
    grain='week',
    user_id='user_id',
    activity_at='datetime',
) }}
