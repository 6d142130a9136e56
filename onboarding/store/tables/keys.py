"""Column sizes every table that names a party shares.

A party's id (domain/party.py) is a municipality's 4-digit number or a kind's
prefix and an organisation number (`specialist-923609016`); the columns that
hold it were 4 characters when only municipalities existed. Many of them are
still called `municipality_number`: the name is the stored schema's, and the
value is the party's id.
"""

PARTY_ID_LENGTH = 32
