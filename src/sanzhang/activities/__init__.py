"""Activities, volunteer days, customs reform, councils and meetings, patrols."""
