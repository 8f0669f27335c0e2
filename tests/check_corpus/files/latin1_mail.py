# Mail helper of the Python 2 era, saved in Latin-1 without a coding line
import smtplib
SIGNATURE = "René"
