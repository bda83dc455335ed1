"""Who may do what: roles that follow from the data (leader, manager, facilitator; mentor and
appraiser when reports can be shared) and the checks pages and the API ask before acting."""
