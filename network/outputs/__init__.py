"""What a run writes: atomic files, folium maps, the HTML report, CI check reports, offline map assets."""
