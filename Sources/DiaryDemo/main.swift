print("diary: coming soon")
