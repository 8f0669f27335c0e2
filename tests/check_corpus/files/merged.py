import socket
<<<<<<< HEAD
PORT = 80
=======
PORT = 8080
>>>>>>> feature
