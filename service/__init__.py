"""feedback360: 360-degree feedback on compassionate and inclusive leadership."""
