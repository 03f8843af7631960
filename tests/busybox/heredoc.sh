# Here-documents, with and without expansion.
name=world
cat <<END | sort
zeta
hello $name
alpha
END
cat <<'END'
no $expansion here
END
tr a-z A-Z <<-END
	tabs stripped
	END
