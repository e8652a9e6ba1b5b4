"""Co-produced at tender: tenders before award, the bid pack each open tender gets (ward
vote winners, fitting open needs, the council's measures, what the tier requires), suppliers'
sealed social value offers, and the award that turns the winning offer into a contract's
commitments and pledges (models.py, rules.py; bid_pack.py is the pure assembly)."""
