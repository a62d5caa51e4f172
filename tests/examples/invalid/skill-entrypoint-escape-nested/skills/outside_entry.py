print("code the skill does not ship")
